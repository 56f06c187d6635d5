import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES, writeTinyRankerData } from "@tml/cli-kit/testing";
import type { DebugKillPoint } from "@tml/core";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { beforeAll, describe, expect, it } from "vitest";
import { cliIsBuilt, runTrainer } from "./__fixtures__/trainer-process.js";

// Kill -9 at every phase that writes (half-way through a checkpoint write, through pruning,
// through the export), resume, and compare with a run that was never interrupted: the resumed
// run's final checkpoint and exported files are byte for byte the same, and nothing is left over.
// TML_DEBUG_KILL_AT (a documented flag of @tml/core) makes the kill land inside each phase.
const scratch = () => mkdtempSync(join(tmpdir(), "tml-crash-"));

const TWHIN = [
  "twhin",
  "--config",
  join(FIXTURES, "tiny-twhin.yaml"),
  "--device",
  "cpu",
  "--deterministic",
  ...["training.eval_every_n=null", "training.checkpoint_every_n=3"],
  "training.checkpoint_max_to_keep=2",
].flatMap((arg) => (arg.includes("=") ? ["--set", arg] : [arg]));
const RANKER = [
  "heavy-ranker",
  "--config",
  join(FIXTURES, "tiny-heavy-ranker.yaml"),
  "--device",
  "cpu",
];

/** Every file of a twhin run that must match the uninterrupted run, by name. */
function twhinOutputs(run: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {
    "checkpoints/12/arrays.bin": readFileSync(join(run, "checkpoints", "12", "arrays.bin")),
  };
  for (const name of readdirSync(join(run, "export")))
    files[`export/${name}`] = readFileSync(join(run, "export", name));
  return files;
}

async function killAt(point: DebugKillPoint, args: string[]): Promise<void> {
  const killed = await runTrainer(args, { env: { TML_DEBUG_KILL_AT: point } });
  expect(killed.signal, killed.stderr).toBe("SIGKILL");
  const resumed = await runTrainer([...args, "--resume"]);
  expect(resumed.code, resumed.stderr).toBe(0);
}

describe.skipIf(!cliIsBuilt())("kill -9 at every phase, then --resume", () => {
  let twhinReference: Record<string, Buffer>;
  let rankerReference: Buffer;
  beforeAll(async () => {
    process.env.TML_TINY_DATA = await writeTinyRankerData();
    process.env.TML_TINY_GRAPH = join(scratch(), "graph");
    await writeGraph(
      process.env.TML_TINY_GRAPH,
      twitterGraphSpec({ users: 64, tweets: 32, edges: 2000, communities: 4 }),
      { seed: 1 },
    );
    const twhin = join(scratch(), "run");
    const ranker = join(scratch(), "run");
    const [twhinRun, rankerRun] = await Promise.all([
      runTrainer([...TWHIN, "--out", twhin]),
      runTrainer([...RANKER, "--out", ranker]),
    ]);
    expect(twhinRun.code, twhinRun.stderr).toBe(0);
    expect(rankerRun.code, rankerRun.stderr).toBe(0);
    twhinReference = twhinOutputs(twhin);
    rankerReference = readFileSync(join(ranker, "model.safetensors"));
  });

  for (const point of ["checkpoint-write", "checkpoint-prune", "export"] as const) {
    it(`trainer twhin killed at ${point} resumes to the same checkpoint and export`, async () => {
      const run = join(scratch(), "run");
      await killAt(point, [...TWHIN, "--out", run]);
      expect(twhinOutputs(run)).toEqual(twhinReference);
      expect(readdirSync(join(run, "checkpoints")).sort()).toEqual(["12", "9"]);
      expect(readdirSync(run).filter((name) => name.includes(".tmp"))).toEqual([]);
    });
  }

  it("trainer heavy-ranker killed before its model.safetensors resumes to the same weights", async () => {
    const run = join(scratch(), "run");
    await killAt("export", [...RANKER, "--out", run]);
    expect(readFileSync(join(run, "model.safetensors"))).toEqual(rankerReference);
  });
});
