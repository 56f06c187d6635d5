import { fileURLToPath } from "node:url";
import { unreadConfigKeys } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { twhinConfigSchema } from "./twhin-config.js";

const SRC = "packages/twhin/src";
const MODEL = `${SRC}/model/twhin-model.ts`;
const TRAIN = `${SRC}/run/train-twhin.ts`;
const REJECTED = `${SRC}/config/unsupported-keys.ts`;
const ROW_OPTIMIZER = `${SRC}/optim/create-row-optimizer.ts`;
const LEARNING_RATE = "packages/training/src/optim/learning-rate.ts";
const RATE_FROM_CONFIG = "packages/training/src/optim/optimizer-config.ts";
const TABLE_OPTIMIZER = "model.embeddings.tables[].optimizer";
const SCHEDULE = `${TABLE_OPTIMIZER}.learning_rate`;

/** Where each key of the TwHIN config is read (or, for a rejected key, rejected). */
const TWHIN_READERS = {
  recipe: `${SRC}/config/twhin-config.ts`, // its preprocess applies the recipe
  runtime: REJECTED,
  "runtime.wandb": REJECTED,
  "runtime.enable_tensorfloat32": REJECTED,
  "runtime.enable_amp": REJECTED,
  training: TRAIN,
  seed: TRAIN,
  model: TRAIN,
  "model.embeddings": MODEL,
  "model.embeddings.tables": MODEL,
  "model.embeddings.tables[].name": MODEL,
  "model.embeddings.tables[].num_embeddings": MODEL,
  "model.embeddings.tables[].embedding_dim": MODEL,
  "model.embeddings.tables[].vocab": REJECTED,
  [TABLE_OPTIMIZER]: `${SRC}/optim/model-optimizers.ts`,
  [SCHEDULE]: RATE_FROM_CONFIG,
  [`${SCHEDULE}.constant`]: LEARNING_RATE,
  [`${SCHEDULE}.piecewise_constant`]: LEARNING_RATE,
  [`${SCHEDULE}.piecewise_constant.learning_rate_boundaries`]: LEARNING_RATE,
  [`${SCHEDULE}.piecewise_constant.learning_rate_values`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_constant`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_constant.learning_rate`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_constant.num_ramp_steps`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_cosine`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_cosine.learning_rate`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_cosine.final_learning_rate`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_cosine.num_ramp_steps`]: LEARNING_RATE,
  [`${SCHEDULE}.linear_ramp_to_cosine.final_num_steps`]: LEARNING_RATE,
  [`${TABLE_OPTIMIZER}.sgd`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.sgd.lr`]: RATE_FROM_CONFIG,
  [`${TABLE_OPTIMIZER}.sgd.momentum`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adagrad`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adagrad.lr`]: RATE_FROM_CONFIG,
  [`${TABLE_OPTIMIZER}.adagrad.eps`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adagrad.rowwise`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adagrad.initial_accumulator_value`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adam`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adam.lr`]: RATE_FROM_CONFIG,
  [`${TABLE_OPTIMIZER}.adam.betas`]: ROW_OPTIMIZER,
  [`${TABLE_OPTIMIZER}.adam.eps`]: ROW_OPTIMIZER,
  "model.relations": MODEL,
  "model.relations[].name": MODEL,
  "model.relations[].lhs": MODEL,
  "model.relations[].rhs": MODEL,
  "model.relations[].operator": MODEL,
  "model.translation_optimizer": `${SRC}/optim/model-optimizers.ts`,
  "model.comparator": MODEL,
  "model.loss": `${SRC}/step/step-settings.ts`,
  "model.loss.type": `${SRC}/step/twhin-step.ts`,
  "model.loss.margin": `${SRC}/step/step-settings.ts`,
  "model.parity": MODEL,
  "model.reciprocal_relations": MODEL,
  "model.regularization": `${SRC}/step/step-settings.ts`,
  "model.regularizer": `${SRC}/step/step-settings.ts`,
  "model.relation_prediction": `${SRC}/step/step-settings.ts`,
  "model.relation_init": MODEL,
  "model.init_scale": MODEL,
  train_data: TRAIN,
  "train_data.data_root": TRAIN,
  "train_data.per_replica_batch_size": TRAIN,
  "train_data.global_negatives": `${SRC}/step/step-settings.ts`,
  "train_data.in_batch_negatives": `${SRC}/step/step-settings.ts`,
  "train_data.limit": TRAIN,
  "train_data.offset": TRAIN,
  validation_data: TRAIN,
  model_selection: TRAIN,
  "model_selection.eval_every_n_epochs": `${SRC}/run/training-plan.ts`,
  "model_selection.patience": TRAIN,
  evaluation: `${SRC}/run/evaluate-twhin.ts`,
  "evaluation.data_root": `${SRC}/run/evaluate-twhin.ts`,
  "evaluation.filter_roots": `${SRC}/run/evaluate-twhin.ts`,
  "evaluation.max_edges": `${SRC}/run/evaluate-twhin.ts`,
  "model.embeddings.tables_to_log": `${SRC}/task/twhin-task.ts`,
  "model.embeddings.tables[].data_type": `${SRC}/model/twhin-model.ts`,
  "model.embeddings.tables[].pretrained": `${SRC}/run/pretrained-tables.ts`,
  "model.embeddings.tables[].pretrained.emb_name": `${SRC}/run/pretrained-tables.ts`,
  "model.embeddings.tables[].pretrained.embedding_snapshot_uri": `${SRC}/run/pretrained-tables.ts`,
};

describe("TwHIN config keys", () => {
  it("every key is read by some code or rejected at load (training.* is core's walk)", () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    expect(
      unreadConfigKeys({
        schema: twhinConfigSchema,
        readers: TWHIN_READERS,
        coveredElsewhere: ["training."],
        root,
      }),
    ).toEqual([]);
  });
});
