import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConfigMutation,
  capture,
  configMutations,
  FIXTURES,
  snapshotDirectory,
  writeTinyRankerData,
} from "@tml/cli-kit/testing";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { MAIN_JOB_YAML } from "./pipeline/main-job-config.js";

/** A finished-looking earlier run of `kind`: the marker and some bytes that must survive. */
function earlierRun(kind: string): string {
  const root = join(mkdtempSync(join(tmpdir(), "tml-config-fuzz-")), "run");
  mkdirSync(join(root, "checkpoints", "12"), { recursive: true });
  writeFileSync(
    join(root, "run.json"),
    `${JSON.stringify({ format: "tml-run/1", kind, created: "2026-01-01T00:00:00.000Z" })}\n`,
  );
  writeFileSync(join(root, "config.yaml"), "earlier: run\n");
  writeFileSync(join(root, "checkpoints", "12", "state.bin"), new Uint8Array(4096).fill(7));
  return root;
}

/**
 * Runs every mutation against an earlier run in `--out`: each must exit `expected` (3, config)
 * with one line on stderr and leave the run byte-identical. Returns the mutations that did not.
 */
async function survivors(
  mutations: readonly ConfigMutation[],
  argv: readonly string[],
  root: string,
  expected = 3,
): Promise<string[]> {
  const before = snapshotDirectory(root);
  const failures: string[] = [];
  for (const mutation of mutations) {
    const cli = capture();
    const code = await main([...argv, "--out", root, "--set", mutation.override], cli.io);
    const after = snapshotDirectory(root);
    if (code !== expected || JSON.stringify(after) !== JSON.stringify(before))
      failures.push(`${mutation.label}: exit ${code}, ${cli.err().trim().slice(0, 200)}`);
    else if (cli.err().trim().split("\n").length !== 1)
      failures.push(`${mutation.label}: more than one line on stderr`);
  }
  return failures;
}

describe("config fuzz: every stage of every trainer command validated before anything is written", () => {
  it("the main job: key, type and value mutations in data, twhin and heavy_ranker", async () => {
    const mutations = configMutations(MAIN_JOB_YAML, { USERS: "2000", TWEETS: "1000" });
    expect(mutations.length).toBeGreaterThan(300);
    // Values each schema accepts alone that break a rule between stages.
    const crossStage = [
      "data.timeline_candidates=4001",
      "data.validation_rows=4001",
      "data.rates.is_bookmarkd=0.1",
      "twhin.model.relations.1.name=bogus",
      "twhin.model.embeddings.tables.0.num_embeddings=10",
    ].map((override) => ({ label: override, override }));
    const root = earlierRun("main");
    expect(await survivors([...mutations, ...crossStage], ["--device", "cpu"], root)).toEqual([]);
  }, 60_000);

  it("trainer twhin and trainer heavy-ranker: every key of their configs", async () => {
    // Real inputs, so a mutation, not missing data, is what each case exercises.
    const graph = join(mkdtempSync(join(tmpdir(), "tml-config-fuzz-graph-")), "graph");
    const spec = twitterGraphSpec({ users: 64, tweets: 32, edges: 2000, communities: 4 });
    await writeGraph(graph, spec, { seed: 1 });
    process.env.TML_TINY_GRAPH = graph;
    process.env.TML_TINY_DATA = await writeTinyRankerData();
    const missing = (override: string) => [{ label: override, override }];
    for (const [command, fixture, missingInputs, unmatched] of [
      [
        "twhin",
        "tiny-twhin.yaml",
        missing("train_data.data_root=/nonexistent/edges/train"),
        // A relation the graph.json beside the edges does not have at that position.
        missing("model.relations.1.name=bogus"),
      ],
      [
        "heavy-ranker",
        "tiny-heavy-ranker.yaml",
        missing("train_data.seg_dense_schema.schema_path=/nonexistent/segdense.json"),
        [],
      ],
    ] as const) {
      const config = join(FIXTURES, fixture);
      const argv = [command, "--config", config, "--device", "cpu"];
      const root = earlierRun(command);
      const mutations = configMutations(readFileSync(config, "utf8"));
      expect(await survivors([...mutations, ...unmatched], argv, root)).toEqual([]);
      // Inputs a config names are checked before --out is touched, too (exit 4, not found).
      expect(await survivors(missingInputs, argv, root, 4)).toEqual([]);
    }
  }, 60_000);
});
