import { join } from "node:path";
import { Rng } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { twhinConfigSchema } from "../config/twhin-config.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { TwhinModel } from "../model/twhin-model.js";
import { TwhinTask } from "../task/twhin-task.js";
import { EdgeBatches } from "./edge-batches.js";
import { readKnowledgeGraph } from "./kg-tsv.js";

const dataDir = sharedDataDir();

describe("real knowledge graph (UMLS)", () => {
  it.skipIf(!dataDir)("learns UMLS link prediction in 250 steps (filtered MRR > 0.6)", () => {
    const kg = readKnowledgeGraph(join(dataDir!, "umls"));
    expect([kg.entities.length, kg.relations.length, kg.train.size]).toEqual([135, 46, 5216]);
    const optimizer = { adagrad: { lr: 0.2 } };
    const config = twhinConfigSchema.parse({
      model: {
        embeddings: {
          tables: [
            {
              name: "entity",
              num_embeddings: 135,
              embedding_dim: 32,
              data_type: "fp32",
              optimizer,
            },
          ],
        },
        relations: kg.relations.map((name) => ({ name, lhs: "entity", rhs: "entity" })),
        translation_optimizer: optimizer,
        loss: { type: "softmax" },
        reciprocal_relations: true,
        relation_init: "identity",
      },
      train_data: {
        data_root: "-",
        per_replica_batch_size: 256,
        global_negatives: 64,
        in_batch_negatives: 0,
        limit: 1e9,
      },
      validation_data: {
        data_root: "-",
        per_replica_batch_size: 256,
        global_negatives: 0,
        in_batch_negatives: 0,
        limit: 1e9,
      },
    });
    const model = new TwhinModel(config.model).initialize(0);
    const batches = new EdgeBatches(kg.train, 256, 0);
    const task = new TwhinTask({ model, config, batches });
    const rng = new Rng(1);
    for (let step = 0; step < 250; step++) task.trainBatch(batches.next(), rng);
    const filter = new FilterIndex(kg.relations.length, [kg.train, kg.valid, kg.test]);
    const result = evaluateLinkPrediction(model, kg.test, { filter });
    console.info("umls", result.both);
    expect(result.both.count).toBe(2 * 661);
    expect(result.both.mrr).toBeGreaterThan(0.6);
    expect(result.both.hits10).toBeGreaterThan(0.85);
  });
});
