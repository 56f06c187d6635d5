// MovieLens-100K as a multi-task ranking problem (split u1.base / u1.test, 80/20): for each rated
// (user, movie) pair predict three engagement-like labels — liked (rating ≥ 4), loved (= 5) and
// disliked (≤ 2) — with per-task towers on a shared parallel MaskNet. Features: embeddings of
// user, movie, age bucket, gender, occupation, zip prefix, release decade (small embedding
// tables); 19 genre flags (binary); user / movie rating counts and mean ratings from the training
// split (continuous, double-norm-log). Reads the files directly. Usage:
//   nice -n 10 timeout 3600 node packages/heavy-ranker/scripts/movielens-multitask.mjs [out.json]
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import {
  MultiTaskRankingModel,
  modelConfigSchema,
  recapOptimizerConfigSchema,
} from "@tml/heavy-ranker";
import { evaluateOn, setUpEngine, trainWithEarlyStopping } from "./quality-common.mjs";

const TASKS = ["liked", "loved", "disliked"];
const FIELDS = ["user", "movie", "age", "gender", "occupation", "zip", "decade"];
const dir = join(sharedDataDir() ?? "", "movielens-100k");
const lines = (name, encoding = "latin1") =>
  readFileSync(join(dir, name), encoding)
    .split("\n")
    .filter((l) => l.trim().length > 0);

const occupations = new Map();
const zips = new Map();
const users = new Map();
for (const line of lines("u.user")) {
  const [id, age, gender, occupation, zip] = line.split("|");
  if (!occupations.has(occupation)) occupations.set(occupation, occupations.size + 1);
  const prefix = zip.slice(0, 2);
  if (!zips.has(prefix)) zips.set(prefix, zips.size + 1);
  users.set(Number(id), [
    Math.min(Math.floor(Number(age) / 10), 7) + 1,
    gender === "M" ? 1 : 2,
    occupations.get(occupation),
    zips.get(prefix),
  ]);
}
const movies = new Map();
for (const line of lines("u.item")) {
  const cells = line.split("|");
  const year = Number((cells[2] ?? "").slice(-4)) || 0;
  const decade = year ? Math.min(Math.max(Math.floor((year - 1920) / 10), 0), 8) + 1 : 0;
  movies.set(Number(cells[0]), { decade, genres: cells.slice(5, 24).map(Number) });
}
const readRatings = (name) => lines(name).map((line) => line.split("\t").map(Number));
const train = readRatings("u1.base");
const test = readRatings("u1.test");

// Statistics from the training split only.
const stats = (key) => {
  const sum = new Map();
  const count = new Map();
  for (const row of train) {
    sum.set(row[key], (sum.get(row[key]) ?? 0) + row[2]);
    count.set(row[key], (count.get(row[key]) ?? 0) + 1);
  }
  return { sum, count };
};
const userStats = stats(0);
const movieStats = stats(1);
const globalMean = train.reduce((total, row) => total + row[2], 0) / train.length;
const mean = (s, id) => ((s.sum.get(id) ?? 0) + 5 * globalMean) / ((s.count.get(id) ?? 0) + 5);

function encode(rows) {
  const n = rows.length;
  const data = {
    rows: n,
    fields: FIELDS.length,
    continuousWidth: 4,
    binaryWidth: 19,
    discrete: new Int32Array(n * FIELDS.length),
    continuous: new Float32Array(n * 4),
    binary: new Float32Array(n * 19),
    labels: new Float32Array(n * TASKS.length),
  };
  rows.forEach(([user, movie, rating], r) => {
    const profile = users.get(user);
    const item = movies.get(movie);
    data.discrete.set([user, movie, ...profile, item.decade], r * FIELDS.length);
    data.continuous.set(
      [
        userStats.count.get(user) ?? 0,
        movieStats.count.get(movie) ?? 0,
        mean(userStats, user),
        mean(movieStats, movie),
      ],
      r * 4,
    );
    data.binary.set(item.genres, r * 19);
    data.labels.set(
      [rating >= 4 ? 1 : 0, rating === 5 ? 1 : 0, rating <= 2 ? 1 : 0],
      r * TASKS.length,
    );
  });
  return data;
}

const out = process.argv[2] ?? "movielens-multitask-result.json";
const engine = await setUpEngine();
const started = performance.now();
const trainData = encode(train);
const testData = encode(test);
// Validation for early stopping: a random 10% of the training split.
const holdout = Math.floor(trainData.rows * 0.1);
const order = new Rng(17).shuffle(Array.from({ length: trainData.rows }, (_, i) => i));
const pick = (indices) => encode(indices.map((i) => train[i]));
const fitData = pick(order.slice(holdout));
const validData = pick(order.slice(0, holdout));
const sizes = [944, 1683, 9, 3, occupations.size + 1, zips.size + 1, 10];
const tower = {
  mlp_config: { layer_sizes: [64, 1], batch_norm: { affine: false, momentum: 0.1 } },
};
const config = modelConfigSchema.parse({
  tasks: Object.fromEntries(TASKS.map((task) => [task, tower])),
  multi_task_type: "share_all",
  backbone: {
    mask_net_config: {
      use_parallel: true,
      mask_blocks: [1, 2].map(() => ({
        output_size: 64,
        reduction_factor: 1,
        input_layer_norm: true,
      })),
      mlp: { layer_sizes: [128], dropout: { rate: 0.2 }, final_layer_activation: true },
    },
  },
  featurization_config: {
    double_norm_log_config: {
      batch_norm_config: { affine: true, momentum: 0.1 },
      clip_magnitude: 5,
      layer_norm_config: { epsilon: 1e-5 },
    },
  },
  small_embeddings: {
    tables: FIELDS.map((name, index) => ({
      name,
      num_embeddings: sizes[index],
      embedding_dim: 16,
      index,
    })),
  },
});
const optimizer = recapOptimizerConfigSchema.parse({
  adam: {},
  multi_task_learning_rates: {
    tower_learning_rates: Object.fromEntries(TASKS.map((task) => [task, { constant: 1e-3 }])),
    backbone_learning_rate: { constant: 1e-3 },
  },
});
const trainingConfig = { optimizer, training: { gradient_accumulation: null } };
const model = new MultiTaskRankingModel({ config, continuousWidth: 4, binaryWidth: 19, seed: 5 });
console.log(
  `engine ${engine}; rows fit ${fitData.rows} valid ${validData.rows} test ${testData.rows}; parameters ${model.parameterCount()}`,
);
const { best, history, trainSeconds } = await trainWithEarlyStopping({
  model,
  config: trainingConfig,
  train: fitData,
  valid: validData,
  taskNames: TASKS,
  batchSize: 512,
  epochs: Number(process.env.ML_EPOCHS ?? 20),
  patience: 2,
  selectMetric: "auroc/liked",
  seed: 3,
  onEpoch: (history) =>
    writeFileSync(`${out}.progress.json`, `${JSON.stringify(history, null, 2)}\n`),
});
const testMetrics = await evaluateOn(model, trainingConfig, testData, TASKS);
const tasks = Object.fromEntries(
  TASKS.map((task) => [
    task,
    {
      auc: testMetrics[`auroc/${task}`],
      rce: testMetrics[`rce/${task}`],
      nrce: testMetrics[`nrce/${task}`],
      prAuc: testMetrics[`pr_auc/${task}`],
      positiveRate: testMetrics[`ctr/${task}`],
    },
  ]),
);
for (const [task, values] of Object.entries(tasks)) {
  console.log(
    `${task}: test AUC ${values.auc.toFixed(4)} RCE ${values.rce.toFixed(2)} NRCE ${values.nrce.toFixed(2)} PR-AUC ${values.prAuc.toFixed(4)} (positives ${(100 * values.positiveRate).toFixed(1)}%)`,
  );
}
const result = {
  split: "u1.base (90% fit / 10% early stopping) / u1.test",
  engine,
  parameters: model.parameterCount(),
  bestEpoch: best.epoch,
  trainSeconds,
  totalSeconds: (performance.now() - started) / 1000,
  tasks,
  history: history.map(({ epoch, loss, seconds, valid }) => ({
    epoch,
    loss,
    seconds,
    validAucLiked: valid["auroc/liked"],
  })),
};
writeFileSync(`${out}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
