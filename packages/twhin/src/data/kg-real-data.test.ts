import { join } from "node:path";
import { Rng } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { TwhinModel } from "../model/twhin-model.js";
import { TwhinTask } from "../task/twhin-task.js";
import { kgTestConfig } from "../testing/kg-test-config.js";
import { EdgeBatches } from "./edge-batches.js";
import { readKnowledgeGraph } from "./kg-tsv.js";

const dataDir = sharedDataDir();

describe("real knowledge graph (UMLS)", () => {
  it.skipIf(!dataDir)("learns UMLS link prediction in 250 steps (filtered MRR > 0.6)", async () => {
    const kg = await readKnowledgeGraph(join(dataDir!, "umls"));
    expect([kg.entities.length, kg.relations.length, kg.train.size]).toEqual([135, 46, 5216]);
    const optimizer = { adagrad: { lr: 0.2 } };
    const config = kgTestConfig(135, kg.relations, optimizer);
    const model = new TwhinModel(config.model).initialize(0);
    const batches = new EdgeBatches(kg.train, 256, 0);
    const task = new TwhinTask({ model, config, batches });
    const rng = new Rng(1);
    for (let step = 0; step < 250; step++) await task.trainBatch(batches.next(), rng);
    const filter = new FilterIndex(kg.relations.length, [kg.train, kg.valid, kg.test]);
    const result = await evaluateLinkPrediction(model, kg.test, { filter });
    console.info("umls", result.both);
    expect(result.both.count).toBe(2 * 661);
    expect(result.both.mrr).toBeGreaterThan(0.6);
    expect(result.both.hits10).toBeGreaterThan(0.85);
  });
});
