import { join } from "node:path";
import { Rng } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { SharedFloat32Arrays } from "@tml/training/parallel";
import { describe, expect, it } from "vitest";
import type { TwhinConfig } from "../config/twhin-config.js";
import { EdgeBatches } from "../data/edge-batches.js";
import type { EdgeSet } from "../data/edge-set.js";
import { readKnowledgeGraph } from "../data/kg-tsv.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { TwhinModel } from "../model/twhin-model.js";
import { TwhinTask } from "../task/twhin-task.js";
import { kgTestConfig } from "../testing/kg-test-config.js";

// Hogwild workers run the built package (dist/parallel/hogwild-worker.js): turbo builds it first.

/** Trains `epochs` passes over `train` on `workers` threads; returns the trained model. */
async function train(config: TwhinConfig, train: EdgeSet, workers: number, epochs: number) {
  const arrays = workers > 1 ? SharedFloat32Arrays.create() : undefined;
  const model = new TwhinModel(config.model, undefined, arrays?.allocate).initialize(0);
  const batch = config.train_data.per_replica_batch_size * workers;
  const batches = new EdgeBatches(train, batch, 0);
  const task = new TwhinTask({
    model,
    config,
    batches,
    ...(arrays ? { parallel: { workers, arrays } } : {}),
  });
  try {
    const steps = Math.ceil((epochs * train.size) / batch);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++)
      losses.push((await task.trainStep(batches.next())).loss);
    return { model, losses, updates: task.updates };
  } finally {
    await task.close();
  }
}

function syntheticGraph(entities: number, relations: number, edges: number, seed: number): EdgeSet {
  // Relation r links entity e to (e * (r + 2) + r) mod entities: learnable, and every row is used.
  const rng = new Rng(seed);
  const lhs = new Int32Array(edges);
  const rel = new Int32Array(edges);
  const rhs = new Int32Array(edges);
  for (let i = 0; i < edges; i++) {
    lhs[i] = rng.int(entities);
    rel[i] = rng.int(relations);
    rhs[i] = (lhs[i]! * (rel[i]! + 2) + rel[i]!) % entities;
  }
  return { lhs, rel, rhs, size: edges } as EdgeSet;
}

/** Finite losses that fell by 30%, and a filtered MRR above 0.3 on the 3-relation graph. */
async function expectLearned(model: TwhinModel, losses: number[], graph: EdgeSet): Promise<void> {
  expect(losses.every(Number.isFinite)).toBe(true);
  const early = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
  const late = losses.slice(-4).reduce((a, b) => a + b) / 4;
  expect(late).toBeLessThan(0.7 * early);
  const filter = new FilterIndex(3, [graph]);
  const mrr = (await evaluateLinkPrediction(model, graph, { filter, maxEdges: 300 })).both.mrr;
  expect(mrr).toBeGreaterThan(0.3);
}

describe("Hogwild training (TwHIN on several threads)", () => {
  it("trains every worker's slice into the shared tables", async () => {
    const graph = syntheticGraph(200, 3, 4096, 1);
    const config = kgTestConfig(200, ["a", "b", "c"], { adagrad: { lr: 0.2 } });
    const { model, losses, updates } = await train(config, graph, 2, 6);
    expect(updates).toBe(48);
    await expectLearned(model, losses, graph);
  });

  it("trains fp16 tables in shared memory: the workers' rows land in the one Uint16Array", async () => {
    const graph = syntheticGraph(200, 3, 4096, 1);
    const fp32 = kgTestConfig(200, ["a", "b", "c"], { adagrad: { lr: 0.2 } });
    const tables = fp32.model.embeddings.tables.map((t) => ({ ...t, data_type: "fp16" as const }));
    const config = {
      ...fp32,
      model: { ...fp32.model, embeddings: { ...fp32.model.embeddings, tables } },
    };
    const { model, losses } = await train(config, graph, 2, 6);
    expect(model.tables[0]!.stored).toBeInstanceOf(Uint16Array);
    expect(model.tables[0]!.stored.buffer).toBeInstanceOf(SharedArrayBuffer);
    await expectLearned(model, losses, graph);
  });

  it("one worker reruns bit-identically (the --deterministic mode)", async () => {
    const graph = syntheticGraph(120, 2, 2048, 2);
    const config = kgTestConfig(120, ["a", "b"], { adam: { lr: 0.01 } });
    const first = await train(config, graph, 1, 2);
    const second = await train(config, graph, 1, 2);
    expect(second.losses).toEqual(first.losses);
    expect(
      Buffer.from(second.model.tables[0]!.stored.buffer).equals(
        Buffer.from(first.model.tables[0]!.stored.buffer),
      ),
    ).toBe(true);
    expect([...second.model.relationParams]).toEqual([...first.model.relationParams]);
  });

  const dataDir = sharedDataDir();
  it.skipIf(!dataDir)(
    "on UMLS, 2 workers reach the filtered test MRR of one worker (within 0.01) in the same epochs",
    async () => {
      const kg = await readKnowledgeGraph(join(dataDir!, "umls"));
      const config = kgTestConfig(kg.entities.length, kg.relations, { adagrad: { lr: 0.2 } });
      const filter = new FilterIndex(kg.relations.length, [kg.train, kg.valid, kg.test]);
      const mrr = async (workers: number) => {
        const { model } = await train(config, kg.train, workers, 12);
        return (await evaluateLinkPrediction(model, kg.test, { filter })).both.mrr;
      };
      const one = await mrr(1);
      const two = await mrr(2);
      expect(one).toBeGreaterThan(0.6);
      expect(Math.abs(two - one)).toBeLessThan(0.01);
    },
  );
});
