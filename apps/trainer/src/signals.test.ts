import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES, writeTinyRankerData } from "@tml/cli-kit/testing";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { listCheckpoints } from "@tml/training";
import { beforeAll, describe, expect, it } from "vitest";
import { cliIsBuilt, runTrainer, stopTrainer } from "./__fixtures__/trainer-process.js";

// Every training command, run as a process with checkpoints far apart, stops within a step or a
// second of SIGTERM with exit 130 and a checkpoint of the step it reached, and --resume finishes.
// Training is synchronous (TwHIN's steps and batches never wait for I/O), so a signal is only
// seen if the loop lets the event loop turn.
// The bound covers process exit and the checkpoint write on a loaded shared machine (3 s was
// exceeded under load); a loop that does not see the signal trains all FAR steps, minutes longer.
const LATENCY_MS = 15_000;
const FAR = 100_000;
const scratch = () => mkdtempSync(join(tmpdir(), "tml-signals-"));

/**
 * The checkpoints of `dir`: every step directory there is a complete checkpoint, and nothing else
 * is there but (when `abandoned`) the temporary directory of a write a second signal abandoned.
 */
async function checkpointSteps(dir: string, abandoned = false): Promise<number[]> {
  const steps = (await listCheckpoints(dir)).map((ref) => ref.step);
  const names = readdirSync(dir).filter((name) => !(abandoned && name.startsWith(".tmp-")));
  expect(names.sort()).toEqual(steps.map(String).sort());
  return steps;
}

describe.skipIf(!cliIsBuilt())("training commands stop on SIGTERM", () => {
  beforeAll(async () => {
    process.env.TML_TINY_DATA = await writeTinyRankerData();
    process.env.TML_TINY_GRAPH = join(scratch(), "graph");
    await writeGraph(
      process.env.TML_TINY_GRAPH,
      twitterGraphSpec({ users: 64, tweets: 32, edges: 2000, communities: 4 }),
      { seed: 1 },
    );
  });

  it.each([
    ["one thread", "--deterministic"],
    ["two Hogwild workers", "--threads=2"],
  ])("trainer twhin (%s): exit 130 at once, a checkpoint, resume finishes", async (_, workers) => {
    const out = join(scratch(), "run");
    const args = ["twhin", "--config", join(FIXTURES, "tiny-twhin.yaml"), "--out", out];
    const common = ["--device", "cpu", workers, "--set", "training.eval_every_n=null"];
    const stopped = await stopTrainer(
      [
        ...args,
        ...common,
        "--max-steps",
        String(FAR),
        "--set",
        `training.checkpoint_every_n=${FAR}`,
      ],
      new RegExp(`twhin \\d+/${FAR}`),
    );
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.latencyMs).toBeLessThan(LATENCY_MS);
    expect(stopped.stderr).toMatch(/stopped at step \d+; continue with --resume/);
    const [step] = await checkpointSteps(join(out, "checkpoints"));
    expect(step).toBeGreaterThan(0);
    expect(existsSync(join(out, "export"))).toBe(false);

    const resumed = await runTrainer([
      ...args,
      ...common,
      "--resume",
      "--max-steps",
      `${step! + 3}`,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`twhin completed at step ${step! + 3}`);
    expect(readdirSync(join(out, "export")).some((file) => file.endsWith(".parquet"))).toBe(true);
  });

  it("trainer heavy-ranker: exit 130 at once, a checkpoint and no model.safetensors, resume finishes", async () => {
    const out = join(scratch(), "run");
    const args = [
      "heavy-ranker",
      "--config",
      join(FIXTURES, "tiny-heavy-ranker.yaml"),
      "--out",
      out,
    ];
    const stopped = await stopTrainer(
      [
        ...args,
        "--device",
        "cpu",
        "--max-steps",
        String(FAR),
        "--set",
        `training.checkpoint_every_n=${FAR}`,
      ],
      new RegExp(`heavy-ranker \\d+/${FAR}`),
    );
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.latencyMs).toBeLessThan(LATENCY_MS);
    const [step] = await checkpointSteps(join(out, "checkpoints"));
    expect(step).toBeGreaterThan(0);
    // Partial weights are never written as the model.
    expect(existsSync(join(out, "model.safetensors"))).toBe(false);

    const resumed = await runTrainer([
      ...args,
      "--device",
      "cpu",
      "--resume",
      "--max-steps",
      `${step! + 2}`,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`heavy-ranker completed at step ${step! + 2}`);
    expect(existsSync(join(out, "model.safetensors"))).toBe(true);
  });

  it("trainer (the main job): exit 130 during TwHIN, a checkpoint, resume finishes every stage", async () => {
    const out = join(scratch(), "run");
    const tiny = [
      "--out",
      out,
      "--device",
      "cpu",
      "--deterministic",
      ...["data.users=200", "data.tweets=100", "data.edges=3000", "data.communities=4"],
      ...["data.ranker_rows=1000", "data.validation_rows=1000", "data.timeline_candidates=20"],
      ...["twhin.training.eval_every_n=null", "heavy_ranker.training.num_train_steps=4"],
      "heavy_ranker.validation_data.validation.global_batch_size=500",
    ].flatMap((arg) => (arg.includes("=") ? ["--set", arg] : [arg]));
    const stopped = await stopTrainer(
      [
        ...tiny,
        "--set",
        `twhin.training.num_train_steps=${FAR}`,
        "--set",
        `twhin.training.checkpoint_every_n=${FAR}`,
      ],
      new RegExp(`twhin \\d+/${FAR}`),
    );
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.latencyMs).toBeLessThan(LATENCY_MS);
    const [step] = await checkpointSteps(join(out, "twhin", "checkpoints"));
    expect(step).toBeGreaterThan(0);

    const resumed = await runTrainer([
      ...tiny,
      "--resume",
      "--set",
      `twhin.training.num_train_steps=${step}`,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(existsSync(join(out, "heavy-ranker", "model.safetensors"))).toBe(true);
    expect(existsSync(join(out, "report", "report.html"))).toBe(true);
  });

  it("a second SIGTERM quits at once and leaves no half checkpoint: resume finishes", async () => {
    const out = join(scratch(), "run");
    const args = [
      "heavy-ranker",
      "--config",
      join(FIXTURES, "tiny-heavy-ranker.yaml"),
      "--out",
      out,
    ];
    const stopped = await stopTrainer(
      [
        ...args,
        "--device",
        "cpu",
        "--max-steps",
        String(FAR),
        "--set",
        "training.checkpoint_every_n=2",
      ],
      /heavy-ranker (1\d|[2-9]\d)\/100000/,
      true,
    );
    expect(stopped.code, stopped.stderr).toBe(130);
    // Either the stop's checkpoint was written or it was abandoned whole; older ones are intact.
    const steps = await checkpointSteps(join(out, "checkpoints"), true);
    // The progress line at step >= 10 came after the checkpoint of step 8 (one every 2 steps).
    expect(steps.at(-1)).toBeGreaterThanOrEqual(8);
    const resumed = await runTrainer([
      ...args,
      "--device",
      "cpu",
      "--resume",
      "--max-steps",
      `${steps.at(-1)! + 2}`,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});
