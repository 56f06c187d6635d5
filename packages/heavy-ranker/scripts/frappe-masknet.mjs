// Frappe (BARS Frappe_x1, 7:2:1; reconstructed train split) with a parallel MaskNet over 10
// categorical fields embedded by small embedding tables. Reads the CSVs directly (data-io's Frappe
// converter had not landed when this was written). Usage:
//   nice -n 10 timeout 3600 node packages/heavy-ranker/scripts/frappe-masknet.mjs [out.json]
// Environment: FRAPPE_EMB_L2 (0.05), FRAPPE_BATCH (2048), FRAPPE_LR (1e-3), FRAPPE_DROPOUT (0.2),
// FRAPPE_LR_PLATEAU (0.1), FRAPPE_EMB_INIT_STD (1e-4), FRAPPE_EPOCHS (30), FRAPPE_PATIENCE (3), FRAPPE_EMBEDDING_DIM (10).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import {
  MultiTaskRankingModel,
  modelConfigSchema,
  RecapTrainTask,
  recapOptimizerConfigSchema,
} from "@tml/heavy-ranker";
import { batches, evaluateOn, setUpEngine } from "./quality-common.mjs";

const FIELDS = [
  "user",
  "item",
  "daytime",
  "weekday",
  "isweekend",
  "homework",
  "cost",
  "weather",
  "country",
  "city",
];
const TASKS = ["click"];

function readCsv(path) {
  const raw = readFileSync(path);
  const text = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = lines[0].split(",");
  if (header[0] !== "label" || header.length !== 11)
    throw new Error(`${path}: unexpected header ${header}`);
  const rows = lines.length - 1;
  const values = new Int32Array(rows * 10);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1].split(",");
    labels[r] = Number(cells[0]);
    for (let f = 0; f < 10; f++) values[r * 10 + f] = Number(cells[f + 1]);
  }
  return { rows, values, labels };
}

/** Per-field vocabularies from the train split (min count 1); unseen values map to row 0. */
function encode(splits) {
  const vocab = FIELDS.map(() => new Map());
  const train = splits[0];
  for (let r = 0; r < train.rows; r++) {
    for (let f = 0; f < 10; f++) {
      const value = train.values[r * 10 + f];
      if (!vocab[f].has(value)) vocab[f].set(value, vocab[f].size + 1);
    }
  }
  const data = splits.map((split) => {
    const discrete = new Int32Array(split.rows * 10);
    for (let i = 0; i < discrete.length; i++) discrete[i] = vocab[i % 10].get(split.values[i]) ?? 0;
    return { rows: split.rows, fields: 10, discrete, labels: split.labels, continuousWidth: 0 };
  });
  return { data, sizes: vocab.map((map) => map.size + 1) };
}

const dataDir = sharedDataDir();
if (!dataDir) throw new Error("shared data folder not found");
const out = process.argv[2] ?? "frappe-masknet-result.json";
const engine = await setUpEngine();
const started = performance.now();
const splits = ["train_reconstructed.csv.gz", "valid.csv", "test.csv"].map((name) =>
  readCsv(join(dataDir, "frappe", name)),
);
const { data, sizes } = encode(splits);
const [train, valid, test] = data;
console.log(
  `engine ${engine}; rows ${train.rows}/${valid.rows}/${test.rows}; vocab ${sizes.join(",")}`,
);

const embeddingDim = Number(process.env.FRAPPE_EMBEDDING_DIM ?? 10);
// FuxiCTR-style embedding L2: loss += (λ/2)·Σ‖W‖² over the tables (BARS uses λ ≈ 0.05–0.1).
const embeddingL2 = Number(process.env.FRAPPE_EMB_L2 ?? 0.05);
const config = modelConfigSchema.parse({
  tasks: { click: { mlp_config: { layer_sizes: [1] } } },
  multi_task_type: "share_all",
  backbone: {
    mask_net_config: {
      use_parallel: true,
      mask_blocks: [1, 2].map(() => ({
        output_size: 64,
        reduction_factor: 1,
        input_layer_norm: true,
      })),
      mlp: {
        layer_sizes: [400, 400, 400],
        batch_norm: { affine: true, momentum: 0.1 },
        dropout: { rate: Number(process.env.FRAPPE_DROPOUT ?? 0.2) },
        final_layer_activation: true,
      },
    },
  },
  featurization_config: { log1p_abs_config: {}, feature_names_to_concat: [] },
  small_embeddings: {
    tables: FIELDS.map((name, index) => ({
      name,
      num_embeddings: sizes[index],
      embedding_dim: embeddingDim,
      index,
    })),
    l2_regularization: embeddingL2,
  },
});
const learningRate = Number(process.env.FRAPPE_LR ?? 1e-3);
const optimizer = recapOptimizerConfigSchema.parse({
  adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  single_task_learning_rate: { constant: learningRate },
});
const model = new MultiTaskRankingModel({ config, continuousWidth: 0, binaryWidth: 0, seed: 2023 });
// FuxiCTR initialises embeddings N(0, 1e-4²); with the L2 penalty, the package's N(0, 1/dim)
// start costs hundreds of Adam steps of pure shrinking. FRAPPE_EMB_INIT_STD=0 keeps the default.
const embeddingInitStd = Number(process.env.FRAPPE_EMB_INIT_STD ?? 1e-4);
if (embeddingInitStd > 0) {
  const initRng = new Rng(11);
  for (const [key, variable] of model.namedWeights()) {
    if (!key.startsWith("_small_embeddings.")) continue;
    const values = new Float32Array(variable.size);
    for (let index = 0; index < values.length; index++)
      values[index] = initRng.normal() * embeddingInitStd;
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}
console.log(`parameters ${model.parameterCount()}`);
const trainingConfig = { optimizer, training: { gradient_accumulation: null } };
const batchSize = Number(process.env.FRAPPE_BATCH ?? 2048);
const epochs = Number(process.env.FRAPPE_EPOCHS ?? 30);
const patience = Number(process.env.FRAPPE_PATIENCE ?? 3);
// Wall-clock budget for training: no epoch starts that would (at the last epoch's pace) end after it.
const budgetSeconds = Number(process.env.FRAPPE_BUDGET_S ?? Infinity);
// Early stopping on valid AUC; the test split is scored every epoch too (for the record only: the
// reported epoch is chosen by valid AUC alone), so a run cut short still has its numbers.
let task = new RecapTrainTask({ model, config: trainingConfig, seed: 7 });
// FuxiCTR's reduce-LR-on-plateau: after an epoch without a better valid AUC, the learning rate is
// multiplied by this factor (1 = off); training continues from the current weights and Adam slots.
const plateauFactor = Number(process.env.FRAPPE_LR_PLATEAU ?? 0.1);
let currentRate = learningRate;
const rng = new Rng(7);
let best = { score: -Infinity, epoch: -1, state: undefined, metrics: undefined, test: undefined };
const history = [];
let trainSeconds = 0;
let lastEpochSeconds = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  if (trainSeconds + 1.2 * lastEpochSeconds > budgetSeconds) {
    console.log(`stopping: the time budget of ${budgetSeconds}s would be exceeded`);
    break;
  }
  const began = performance.now();
  let lossSum = 0;
  let steps = 0;
  for (const batch of batches(train, batchSize, TASKS, rng)) {
    lossSum += task.trainStep(batch).loss;
    steps += 1;
    for (const key of ["continuous", "binary", "discrete", "labels", "weights"])
      batch[key].dispose();
  }
  const validMetrics = await task.evaluateOn(batches(valid, 8192, TASKS));
  const testEpoch = await task.evaluateOn(batches(test, 8192, TASKS));
  lastEpochSeconds = (performance.now() - began) / 1000;
  trainSeconds += lastEpochSeconds;
  const score = validMetrics["auroc/click"];
  history.push({
    epoch,
    loss: lossSum / steps,
    seconds: lastEpochSeconds,
    valid: validMetrics,
    test: testEpoch,
  });
  console.log(
    `epoch ${epoch}: loss ${(lossSum / steps).toFixed(4)} ${lastEpochSeconds.toFixed(1)}s valid AUC ${score.toFixed(4)} test AUC ${testEpoch["auroc/click"].toFixed(4)}`,
  );
  writeFileSync(`${out}.progress.json`, `${JSON.stringify(history, null, 2)}\n`);
  if (score > best.score)
    best = { score, epoch, state: task.getState(), metrics: validMetrics, test: testEpoch };
  else if (epoch - best.epoch >= patience) break;
  else if (plateauFactor !== 1) {
    currentRate *= plateauFactor;
    const state = task.getState();
    task.dispose();
    const reduced = {
      ...trainingConfig,
      optimizer: { ...optimizer, single_task_learning_rate: { constant: currentRate } },
    };
    task = new RecapTrainTask({ model, config: reduced, seed: 7 });
    try {
      task.setState(state, { reason: "resume" });
    } catch (error) {
      console.log(`Adam slots not carried over (${error.message}); weights only`);
      task.setState(state, { reason: "warm_start" });
    }
    console.log(`learning rate → ${currentRate}`);
  }
}
task.loadWeights(best.state);
task.dispose();
const testMetrics = await evaluateOn(model, trainingConfig, test, TASKS);
const result = {
  dataset: "Frappe_x1 valid/test, reconstructed train",
  engine,
  parameters: model.parameterCount(),
  batchSize,
  learningRate,
  embeddingDim,
  embeddingL2,
  embeddingInitStd,
  plateauFactor,
  dropout: Number(process.env.FRAPPE_DROPOUT ?? 0.2),
  bestEpoch: best.epoch,
  valid: best.metrics,
  test: testMetrics,
  trainSeconds, // training plus the per-epoch valid/test scoring
  totalSeconds: (performance.now() - started) / 1000,
  history: history.map(({ epoch, loss, seconds, valid, test }) => ({
    epoch,
    loss,
    seconds,
    validAuc: valid["auroc/click"],
    testAuc: test["auroc/click"],
  })),
};
console.log(
  `best epoch ${best.epoch}: valid AUC ${best.metrics["auroc/click"].toFixed(4)}; test AUC ${testMetrics["auroc/click"].toFixed(4)} logloss-RCE ${testMetrics["rce/click"].toFixed(2)}; train ${trainSeconds.toFixed(0)}s`,
);
writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
