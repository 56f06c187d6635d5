import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { rankRun } from "@tml/cli-kit";
import { TmlError } from "@tml/core";
import { installTfjsResolveHook, selectEngine } from "@tml/engine";
import { modelFilesHandler } from "@tml/heavy-ranker";
import { beforeAll, describe, expect, it } from "vitest";
import { type TinyRuns, trainTinyRuns } from "../__fixtures__/tiny-runs.js";
import { baselineRow, candidateRow } from "../shared/candidate-rows.js";
import type { ExplorerManifest, RankerManifest } from "../shared/explorer-manifest.js";
import { integratedGradients } from "../shared/integrated-gradients.js";
import { prepareExplorer } from "./prepare-explorer.js";

let runs: TinyRuns;

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe("prepareExplorer", () => {
  beforeAll(async () => {
    // Gradients as the apps register them (the resolve hook lets Node load tfjs's gradient modules).
    installTfjsResolveHook();
    await selectEngine({ device: "cpu" });
    runs = await trainTinyRuns();
  }, 120_000);

  it("exports a Heavy Ranker run: the graph, candidates and Node's scores, the same as evaluator rank", async () => {
    const prepared = await prepareExplorer(runs.ranker);
    const manifest = JSON.parse(
      readFileSync(join(prepared.explorerDir, "explorer.json"), "utf8"),
    ) as ExplorerManifest;
    const ranker = manifest.ranker as RankerManifest;
    expect(manifest.kind).toBe("heavy-ranker");
    expect(manifest.twhin).toBeNull();
    expect(ranker.tasks).toEqual(["recap.engagement.is_favorited", "recap.engagement.is_replied"]);
    expect(ranker.groups.map((group) => group.name)).toEqual([
      "continuous",
      "binary",
      "user_embedding",
      "user_eng_embedding",
      "author_embedding",
    ]);
    expect(existsSync(join(prepared.explorerDir, "model", "model.json"))).toBe(true);
    const rows = ranker.nodeCalibrated.length / ranker.tasks.length;
    expect(rows).toBe(100);
    expect(ranker.userIds?.length).toBe(rows);
    // evaluator rank's scores of the same file: Σ published weight × calibrated probability.
    const ranking = await rankRun({
      checkpoint: runs.ranker,
      candidates: ranker.candidatesFile,
      out: join(runs.data, "rank"),
      report: false,
      device: "cpu",
    });
    for (const { index, score } of ranking.ranked.filter((entry) => entry.index < rows)) {
      const ours = ranker.tasks.reduce(
        (sum, _task, t) =>
          sum +
          (ranker.servingWeights[t] as number) *
            (ranker.nodeCalibrated[index * ranker.tasks.length + t] as number),
        0,
      );
      expect(Math.abs(ours - score)).toBeLessThan(1e-5);
    }
  });

  it("integrated gradients of the exported graph sum to the logit differences (completeness within 1e-3)", async () => {
    const prepared = await prepareExplorer(runs.ranker);
    const ranker = prepared.manifest.ranker as RankerManifest;
    const graph = await loadGraphModel(modelFilesHandler(join(prepared.explorerDir, "model")));
    const before = tf.memory().numTensors;
    const changes: number[] = [];
    for (const row of [0, 7, 42]) {
      const item = candidateRow(ranker, row);
      const result = integratedGradients(
        graph,
        ranker.groups,
        ranker.tasks,
        item,
        baselineRow(ranker, item),
      );
      for (const task of result.tasks) {
        changes.push(Math.abs(task.logit - task.baselineLogit));
        expect(Math.abs(task.completenessGap)).toBeLessThan(1e-3);
        const sum = Object.values(task.groups).reduce((total, value) => total + value, 0);
        expect(Math.abs(sum - (task.logit - task.baselineLogit))).toBeLessThan(1e-3);
      }
      // One trapezoid over the whole path misses completeness: the refinement is what meets it.
      const coarse = integratedGradients(
        graph,
        ranker.groups,
        ranker.tasks,
        item,
        baselineRow(ranker, item),
        {
          initialIntervals: 1,
          maxIntervals: 1,
        },
      );
      expect(coarse.intervals).toEqual([1, 1]);
      expect(
        Math.max(...coarse.tasks.map((task) => Math.abs(task.completenessGap))),
      ).toBeGreaterThan(1e-3);
    }
    // The items differ from the baseline: completeness is no 0 = 0.
    expect(Math.max(...changes)).toBeGreaterThan(0.05);
    expect(tf.memory().numTensors).toBe(before);
    graph.dispose();
  });

  it("exports a TwHIN run's tables with a projection and the graph's communities", async () => {
    const prepared = await prepareExplorer(runs.twhin);
    const twhin = prepared.manifest.twhin;
    expect(prepared.manifest.ranker).toBeNull();
    expect(twhin?.tables.map((table) => table.name).sort()).toEqual(["tweet", "user"]);
    for (const table of twhin?.tables ?? []) {
      const bytes = readFileSync(join(prepared.explorerDir, table.file));
      expect(bytes.byteLength).toBe(table.rows * table.dim * 4);
      expect(table.projection.length).toBe(table.rows * 2);
      expect(table.communities?.length).toBe(table.rows);
      expect(table.explainedVariance[0]).toBeGreaterThanOrEqual(table.explainedVariance[1]);
    }
  });

  it("opens a main job's run: the ranker on the sample timeline, TwHIN with the graph's communities", async () => {
    // The main job's layout, assembled from the tiny runs.
    const root = join(runs.data, "main");
    cpSync(runs.ranker, join(root, "heavy-ranker"), { recursive: true });
    cpSync(runs.twhin, join(root, "twhin"), { recursive: true });
    cpSync(process.env.TML_TINY_GRAPH as string, join(root, "data", "graph"), { recursive: true });
    const timeline = join(root, "data", "ranker", "timeline");
    mkdirSync(timeline, { recursive: true });
    const validation = readdirSync(join(runs.data, "validation"))[0] as string;
    cpSync(join(runs.data, "validation", validation), join(timeline, "candidates.parquet"));
    writeFileSync(join(root, "run.json"), JSON.stringify({ kind: "main" }));
    const { manifest } = await prepareExplorer(root);
    expect(manifest.kind).toBe("main");
    expect(manifest.ranker?.candidatesFile).toBe(join(timeline, "candidates.parquet"));
    expect(manifest.twhin?.tables.every((table) => table.communities !== null)).toBe(true);
  });

  it("bad input: a clear typed error and nothing written into the run directory", async () => {
    const missing = join(runs.data, "no-such-run");
    await expect(prepareExplorer(missing)).rejects.toSatisfy((error) =>
      TmlError.isInstance(error, "NOT_FOUND"),
    );
    // A run without a model: the ranker run with its model.safetensors moved away.
    const noModel = join(runs.data, "no-model");
    mkdirSync(noModel);
    writeFileSync(join(noModel, "run.json"), JSON.stringify({ kind: "heavy-ranker" }));
    writeFileSync(join(noModel, "config.yaml"), readFileSync(join(runs.ranker, "config.yaml")));
    const before = listing(noModel);
    const error = await prepareExplorer(noModel).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toMatch(/no trained Heavy Ranker \(no model\.safetensors\)/);
    expect(listing(noModel)).toEqual(before);
    // A model the browser cannot run (DCN-v2 is outside the graph export).
    rmSync(join(runs.dcnRanker, "explorer"), { recursive: true, force: true });
    const dcnBefore = listing(runs.dcnRanker);
    const dcn = await prepareExplorer(runs.dcnRanker).catch((caught: unknown) => caught);
    expect(TmlError.isInstance(dcn, "CHECKPOINT")).toBe(true);
    expect((dcn as Error).message).toMatch(/the browser cannot run this model/);
    expect(listing(runs.dcnRanker)).toEqual(dcnBefore);
  });
});
