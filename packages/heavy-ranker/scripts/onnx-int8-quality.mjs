// What int8 scoring costs in quality: trains a Heavy Ranker (local_prod's architecture scaled down:
// double-norm-log featurization, TwHIN-style embeddings, parallel MaskNet, BN towers) on data-io's
// generated rows with planted signal, then scores a held-out set three ways: the tfjs model, the
// compiled ONNX graph in fp32 and in int8 (OnnxScorer). Prints per-task AUC of each, the largest and
// mean |Δp| of int8 against fp32, and scoring speed. Run against the built packages:
//   pnpm turbo run build --filter @tml/heavy-ranker...
//   nice -n 10 timeout 1800 node packages/heavy-ranker/scripts/onnx-int8-quality.mjs [out.json]
// Environment: Q_TRAIN_ROWS (200000), Q_TEST_ROWS (50000), Q_EPOCHS (2), Q_BATCH (512),
// Q_CONTINUOUS (512 continuous columns), Q_EMBEDDING (64: width of each TwHIN-style embedding),
// Q_BLOCK (256: MaskNet block aggregation and output size), Q_MLP (512: MaskNet MLP width).
import { renameSync, writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { RankerGenerator, rocAuc } from "@tml/data-io";
import {
  MultiTaskRankingModel,
  modelConfigSchema,
  OnnxScorer,
  RecapTrainTask,
  recapOptimizerConfigSchema,
} from "@tml/heavy-ranker";
import { setUpEngine } from "./quality-common.mjs";

const out = process.argv[2] ?? "onnx-int8-quality.json";
const trainRows = Number(process.env.Q_TRAIN_ROWS ?? 200_000);
const testRows = Number(process.env.Q_TEST_ROWS ?? 50_000);
const epochs = Number(process.env.Q_EPOCHS ?? 2);
const batchSize = Number(process.env.Q_BATCH ?? 512);
const P = "recap.engagement.";
const RATES = {
  [`${P}is_favorited`]: 0.2,
  [`${P}is_video_playback_50`]: 0.1,
  [`${P}is_retweeted`]: 0.05,
  [`${P}is_replied`]: 0.02,
};
const TASKS = Object.keys(RATES);
const layout = {
  continuous: Number(process.env.Q_CONTINUOUS ?? 512),
  binary: 64,
  discrete: 8,
  embedding: Number(process.env.Q_EMBEDDING ?? 64),
};
const blockSize = Number(process.env.Q_BLOCK ?? 256);
const mlpWidth = Number(process.env.Q_MLP ?? 512);

const engine = await setUpEngine();
const generator = new RankerGenerator({ seed: 23, layout, rates: RATES });

/** Generated rows as the scorer's arrays plus labels (rows × T). */
function draw(rows) {
  const chunk = generator.nextChunk(rows);
  const labels = new Float32Array(rows * TASKS.length);
  TASKS.forEach((task, t) => {
    const column = chunk.labels[chunk.taskNames.indexOf(task)];
    for (let row = 0; row < rows; row++) labels[row * TASKS.length + t] = Number(column[row]);
  });
  return {
    rows,
    labels,
    arrays: {
      continuous: chunk.continuous,
      binary: Float32Array.from(chunk.binary, Number),
      user_embedding: chunk.userEmbedding,
      user_eng_embedding: chunk.userEngagementEmbedding,
      author_embedding: chunk.authorEmbedding,
    },
  };
}

function slice(data, start, end) {
  const part = {};
  for (const [name, values] of Object.entries(data.arrays)) {
    const width = values.length / data.rows;
    part[name] = values.subarray(start * width, end * width);
  }
  return part;
}

function toBatch(data, start, end) {
  const rows = end - start;
  const part = slice(data, start, end);
  const tasks = TASKS.length;
  return {
    size: rows,
    continuous: tf.tensor2d(part.continuous, [rows, layout.continuous]),
    binary: tf.tensor2d(part.binary, [rows, layout.binary]),
    discrete: tf.zeros([rows, 1], "int32"),
    userEmbedding: tf.tensor2d(part.user_embedding, [rows, layout.embedding]),
    userEngEmbedding: tf.tensor2d(part.user_eng_embedding, [rows, layout.embedding]),
    authorEmbedding: tf.tensor2d(part.author_embedding, [rows, layout.embedding]),
    labels: tf.tensor2d(data.labels.subarray(start * tasks, end * tasks), [rows, tasks]),
    weights: tf.ones([rows, tasks]),
    taskNames: TASKS,
  };
}

const disposeBatch = (batch) =>
  tf.dispose(Object.values(batch).filter((value) => value instanceof tf.Tensor));

const began = performance.now();
const train = draw(trainRows);
const test = draw(testRows);
const generateSeconds = (performance.now() - began) / 1000;

const tower = {
  mlp_config: { layer_sizes: [128, 64, 1], batch_norm: { affine: false, momentum: 0.1 } },
};
const config = modelConfigSchema.parse({
  multi_task_type: "share_all",
  featurization_config: {
    double_norm_log_config: {
      batch_norm_config: { affine: true, momentum: 0.01 },
      clip_magnitude: 5.0,
      layer_norm_config: { epsilon: 0.0 },
    },
  },
  backbone: {
    mask_net_config: {
      use_parallel: true,
      mask_blocks: [0, 1, 2, 3].map(() => ({
        aggregation_size: blockSize,
        output_size: blockSize,
        input_layer_norm: false,
      })),
      mlp: { layer_sizes: [mlpWidth], final_layer_activation: true },
    },
  },
  tasks: Object.fromEntries(TASKS.map((task) => [task, tower])),
});
const model = new MultiTaskRankingModel({
  config,
  continuousWidth: layout.continuous,
  binaryWidth: layout.binary,
  embeddingNames: ["user_embedding", "user_eng_embedding", "author_embedding"],
  embeddingWidth: layout.embedding,
  seed: 3,
});
const optimizer = recapOptimizerConfigSchema.parse({
  adam: { beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
  single_task_learning_rate: { constant: 1e-3 },
});
const task = new RecapTrainTask({
  model,
  config: { optimizer, training: { gradient_accumulation: null } },
  seed: 5,
});
const rng = new Rng(5);
const trainBegan = performance.now();
let steps = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const order = Array.from({ length: Math.floor(trainRows / batchSize) }, (_, index) => index);
  rng.shuffle(order);
  let lossSum = 0;
  for (const block of order) {
    const batch = toBatch(train, block * batchSize, (block + 1) * batchSize);
    lossSum += (await task.trainStep(batch)).loss;
    disposeBatch(batch);
    steps += 1;
  }
  console.log(
    `epoch ${epoch}: loss ${(lossSum / order.length).toFixed(4)}, ${steps} steps, ${((performance.now() - trainBegan) / 1000).toFixed(0)} s`,
  );
}
const trainSeconds = (performance.now() - trainBegan) / 1000;
task.dispose();

// Scores the test set in batches of 512 with one scorer; returns B x T probabilities and seconds.
function scoreAll(score) {
  const probabilities = new Float32Array(testRows * TASKS.length);
  let seconds = 0;
  for (let start = 0; start < testRows; start += 512) {
    const end = Math.min(start + 512, testRows);
    const t = performance.now();
    const scores = score(start, end);
    seconds += (performance.now() - t) / 1000;
    probabilities.set(scores, start * TASKS.length);
  }
  return { probabilities, seconds };
}

const results = {};
results.tfjs = scoreAll((start, end) => {
  const batch = toBatch(test, start, end);
  const outputs = model.apply(batch, { training: false });
  const values = outputs.probabilities.dataSync();
  tf.dispose(Object.values(outputs));
  disposeBatch(batch);
  return values;
});
for (const precision of ["fp32", "int8"]) {
  const scorer = await OnnxScorer.create(model, { precision });
  results[precision] = scoreAll(
    (start, end) => scorer.score(slice(test, start, end), end - start).probabilities,
  );
  scorer.dispose();
}

const column = (values, t) =>
  Float32Array.from({ length: testRows }, (_, row) => values[row * TASKS.length + t]);
const summary = {
  engine,
  layout,
  blockSize,
  mlpWidth,
  trainRows,
  testRows,
  epochs,
  steps,
  parameters: model.parameterCount(),
  generateSeconds,
  trainSeconds,
  tasks: {},
  scoring: {},
};
for (const [name, result] of Object.entries(results)) {
  summary.scoring[name] = { seconds: result.seconds, samplesPerSecond: testRows / result.seconds };
}
TASKS.forEach((taskName, t) => {
  const labels = column(test.labels, t);
  const entry = {};
  for (const [name, result] of Object.entries(results))
    entry[`auc_${name}`] = rocAuc(column(result.probabilities, t), labels);
  let maxDelta = 0;
  let sumDelta = 0;
  let maxFp32Delta = 0;
  for (let row = 0; row < testRows; row++) {
    const index = row * TASKS.length + t;
    const delta = Math.abs(results.int8.probabilities[index] - results.fp32.probabilities[index]);
    maxDelta = Math.max(maxDelta, delta);
    sumDelta += delta;
    maxFp32Delta = Math.max(
      maxFp32Delta,
      Math.abs(results.fp32.probabilities[index] - results.tfjs.probabilities[index]),
    );
  }
  Object.assign(entry, {
    maxAbsDeltaInt8: maxDelta,
    meanAbsDeltaInt8: sumDelta / testRows,
    maxAbsDeltaFp32VsTfjs: maxFp32Delta,
  });
  summary.tasks[taskName] = entry;
  console.log(
    `${taskName}: AUC tfjs ${entry.auc_tfjs.toFixed(5)} onnx-fp32 ${entry.auc_fp32.toFixed(5)} onnx-int8 ${entry.auc_int8.toFixed(5)} (Δ ${(entry.auc_int8 - entry.auc_fp32).toExponential(2)}); int8 |Δp| max ${maxDelta.toExponential(2)} mean ${(sumDelta / testRows).toExponential(2)}; fp32 vs tfjs max ${maxFp32Delta.toExponential(2)}`,
  );
});
for (const [name, value] of Object.entries(summary.scoring))
  console.log(`scoring ${name}: ${value.samplesPerSecond.toFixed(0)} samples/s`);
model.dispose();
writeFileSync(`${out}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
