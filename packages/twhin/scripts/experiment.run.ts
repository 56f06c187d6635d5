import { appendFileSync } from "node:fs";
import { Rng } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { it } from "vitest";
import { twhinConfigSchema } from "../src/config/twhin-config.js";
import { EdgeBatches } from "../src/data/edge-batches.js";
import { readKnowledgeGraph } from "../src/data/kg-tsv.js";
import { FilterIndex } from "../src/eval/filter-index.js";
import { evaluateLinkPrediction } from "../src/eval/link-prediction.js";
import { TwhinModel } from "../src/model/twhin-model.js";
import { TwhinTask } from "../src/task/twhin-task.js";

const env = process.env;
const log = (line: string) => appendFileSync(env.LOG ?? "/tmp/twhin-experiment.log", `${line}\n`);
it("experiment", async () => {
  const engine = await selectEngine({ device: env.DEVICE ?? "auto", gradients: false });
  log(`engine ${engine.label}: ${engine.reason}`);
  const kg = readKnowledgeGraph(`/work/shared/data/${env.KG ?? "fb15k-237"}`);
  const dim = Number(env.DIM ?? 128);
  const optimizer = JSON.parse(env.OPT ?? '{"adagrad":{"lr":0.1}}');
  const config = twhinConfigSchema.parse({
    model: {
      embeddings: {
        tables: [
          {
            name: "entity",
            num_embeddings: kg.entities.length,
            embedding_dim: dim,
            data_type: "fp32",
            optimizer,
          },
        ],
      },
      relations: kg.relations.map((name) => ({
        name,
        lhs: "entity",
        rhs: "entity",
        operator: env.OP ?? "translation",
      })),
      translation_optimizer: optimizer,
      comparator: env.CMP ?? "dot",
      loss: { type: env.LOSS ?? "softmax", margin: 1 },
      reciprocal_relations: env.RECIP !== "0",
      regularization: Number(env.REG ?? 0),
      relation_init: "identity",
      init_scale: env.INIT ? Number(env.INIT) : undefined,
    },
    train_data: {
      data_root: "x",
      per_replica_batch_size: Number(env.B ?? 1000),
      global_negatives: Number(env.K ?? 512),
      in_batch_negatives: Number(env.N ?? 0),
      limit: 1e9,
    },
    validation_data: {
      data_root: "x",
      per_replica_batch_size: 1000,
      global_negatives: 0,
      in_batch_negatives: 0,
      limit: 1e9,
    },
  });
  const model = new TwhinModel(config.model).initialize(1);
  const batches = new EdgeBatches(kg.train, config.train_data.per_replica_batch_size, 1);
  const trainer = new TwhinTask({ model, config, batches });
  const rng = new Rng(2);
  const filter = new FilterIndex(kg.relations.length, [kg.train, kg.valid, kg.test]);
  const epochs = Number(env.EPOCHS ?? 10);
  if (env.PROFILE_STEPS) {
    const t = performance.now();
    for (let s = 0; s < Number(env.PROFILE_STEPS); s++) trainer.trainBatch(batches.next(), rng);
    log(`${env.PROFILE_STEPS} steps ${((performance.now() - t) / 1000).toFixed(2)}s`);
    return;
  }
  const stepsPerEpoch = Math.ceil(kg.train.size / config.train_data.per_replica_batch_size);
  const start = performance.now();
  // DEADLINE (epoch ms): stop before an epoch that would end after it, then evaluate test.
  const deadline = env.DEADLINE ? Number(env.DEADLINE) : Number.POSITIVE_INFINITY;
  let lastEpochMs = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (Date.now() + lastEpochMs > deadline) {
      log(`deadline: stopping after ${epoch - 1} epochs`);
      break;
    }
    let loss = 0;
    const t0 = performance.now();
    for (let s = 0; s < stepsPerEpoch; s++) {
      loss += trainer.trainBatch(batches.next(), rng);
      if (epoch === 1 && s === 19) log(`20 steps ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    }
    const secs = (performance.now() - t0) / 1000;
    lastEpochMs = secs * 1000;
    let line = `epoch ${epoch} loss ${(loss / stepsPerEpoch).toFixed(4)} ${secs.toFixed(1)}s ${(kg.train.size / secs).toFixed(0)} edges/s`;
    if (epoch % Number(env.EVAL_EVERY ?? 5) === 0 || epoch === epochs) {
      const t1 = performance.now();
      const r = evaluateLinkPrediction(model, kg.valid, {
        filter,
        maxEdges: Number(env.VALID_MAX ?? 3000),
      });
      line += ` | valid mrr ${r.both.mrr.toFixed(4)} h10 ${r.both.hits10.toFixed(4)} (${((performance.now() - t1) / 1000).toFixed(1)}s)`;
    }
    log(line);
  }
  const t2 = performance.now();
  const test = evaluateLinkPrediction(model, kg.test, { filter });
  log(
    `TEST ${JSON.stringify(test.both)} eval ${((performance.now() - t2) / 1000).toFixed(1)}s train ${((t2 - start) / 1000).toFixed(0)}s`,
  );
});
