import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@tml/core";
import { readParquetFile } from "@tml/data-io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeBatches } from "../data/edge-batches.js";
import { type EdgeSet, readEdges } from "../data/edge-set.js";
import { clusterPurity } from "../eval/cluster-purity.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { TwhinModel } from "../model/twhin-model.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { TwhinTask } from "./twhin-task.js";

let dir: string;
let train: EdgeSet;
let test: EdgeSet;
let userCommunities: Int32Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-quality-"));
  await writeEngagementGraph(join(dir, "g"), {
    users: 400,
    tweets: 200,
    edges: 12000,
    communities: 4,
    seed: 7,
  });
  train = await readEdges(join(dir, "g/edges/train/*.parquet"));
  test = await readEdges(join(dir, "g/edges/test/*.parquet"));
  const table = await readParquetFile(join(dir, "g/communities/user.parquet"));
  userCommunities = Int32Array.from(table.getChild("community")!.toArray() as Int32Array);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trainAndScore(
  parity: "fixed" | "original",
  loss: "bce" | "softmax",
  globalNegatives: number,
) {
  const config = tinyConfig({
    dim: 16,
    tables: [
      { name: "user", rows: 400 },
      { name: "tweet", rows: 200 },
    ],
    relations: ["fav", "reply", "retweet", "magic_recs"].map((name) => ({
      name,
      lhs: "user",
      rhs: "tweet",
    })),
    optimizer: { adagrad: { lr: 0.1 } },
    batchSize: 200,
    inBatch: 10,
    global: globalNegatives,
    model: { parity, loss: { type: loss, margin: 1 } },
  });
  const model = new TwhinModel(config.model).initialize(1);
  const batches = new EdgeBatches(train, 200, 1);
  const task = new TwhinTask({ model, config, batches });
  const rng = new Rng(2);
  for (let step = 0; step < 300; step++) await task.trainBatch(batches.next(), rng);
  const filter = new FilterIndex(4, [train, test]);
  const metrics = (await evaluateLinkPrediction(model, test, { filter })).both;
  const users = model.tables[0]!;
  return { metrics, purity: clusterPurity(users.toFloat32(), users.dim, userCommunities, 1) };
}

describe("learned quality on a generated graph with planted communities", () => {
  // The original (negatives labelled 1, untrained translations) pushes every score up, so its
  // rankings follow popularity and its user embeddings carry no community; in-batch negatives
  // (fixed) recover the communities; uniform negatives with a softmax also learn the full ranking.
  it("fixing the original's three defects recovers the communities; uniform negatives rank best", async () => {
    const original = await trainAndScore("original", "bce", 0);
    const fixed = await trainAndScore("fixed", "bce", 0);
    const uniform = await trainAndScore("fixed", "softmax", 32);
    console.info("quality", { original, fixed, uniform });
    expect(fixed.metrics.auc).toBeGreaterThan(original.metrics.auc + 0.08);
    expect(original.purity).toBeLessThan(0.5);
    expect(fixed.purity).toBeGreaterThan(0.9);
    expect(uniform.purity).toBeGreaterThan(0.9);
    expect(uniform.metrics.mrr).toBeGreaterThan(original.metrics.mrr + 0.15);
    expect(uniform.metrics.hits10).toBeGreaterThan(fixed.metrics.hits10 + 0.1);
  });
});
