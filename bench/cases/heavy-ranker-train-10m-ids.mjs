// Heavy Ranker training with a 10,000,000 x 64 id table (large_embeddings, 2.56 GB of float32) on a
// 24 GiB machine. Optimizer: row-wise Adagrad (torchrec's fused EXACT_ROWWISE_ADAGRAD, one
// accumulator per row: 40 MB) on the table, Adam on the dense MLP. Batches of 512 rows, each with
// one user id drawn uniformly from the 10M rows (every step touches ~512 scattered rows).
import { selectBenchEngine, tf } from "../lib/tf.mjs";

const ROWS = 10_000_000;
const DIM = 64;
const BATCH = 512;
const STEPS = 20;
const CONTINUOUS = 16;

export const name = "heavy_ranker_train_10m_ids_rowwise_adagrad_samples_per_s";
export const unit = "samples/s";
// The table's setup (2.56 GB, ~10 s) is per process, so few repeats of STEPS steps each.
export const warmup = 5;
export const repeats = 5;
// Memory, not threads, is what this case shows; no one-thread row.
export const threads1Row = false;

let task;
let batches;

function batchWithIds(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const ids = Int32Array.from({ length: BATCH }, () => Math.floor(next() * ROWS));
  return {
    size: BATCH,
    continuous: tf.tensor2d(
      Float32Array.from({ length: BATCH * CONTINUOUS }, () => next() * 10),
      [BATCH, CONTINUOUS],
    ),
    binary: tf.zeros([BATCH, 1]),
    discrete: tf.zeros([BATCH, 1], "int32"),
    labels: tf.tensor2d(
      Float32Array.from(ids, (id) => id % 2),
      [BATCH, 1],
    ),
    weights: tf.ones([BATCH, 1]),
    taskNames: ["engaged"],
    ids: { user_id: { values: ids, width: 1 } },
  };
}

export async function setup() {
  const engine = await selectBenchEngine();
  const hr = await import("@tml/heavy-ranker");
  const config = hr.recapModelConfigSchema.parse({
    tasks: { engaged: { mlp_config: { layer_sizes: [64, 1] } } },
    large_embeddings: {
      tables: [
        {
          name: "user_id",
          num_embeddings: ROWS,
          embedding_dim: DIM,
          feature_name: "meta__user_id",
        },
      ],
      optimizer: { init_learning_rate: 0.05, rowwise_adagrad: {} },
    },
  });
  const model = new hr.MultiTaskRankingModel({
    config,
    continuousWidth: CONTINUOUS,
    binaryWidth: 1,
  });
  task = new hr.RecapTrainTask({
    model,
    config: {
      optimizer: hr.recapOptimizerConfigSchema.parse({
        adam: {},
        single_task_learning_rate: { constant: 0.001 },
      }),
      training: { gradient_accumulation: null },
    },
  });
  batches = Array.from({ length: 8 }, (_, index) => batchWithIds(index + 1));
  return { engine: engine.label };
}

/** Training samples per second over STEPS steps. */
export async function run() {
  const start = performance.now();
  for (let step = 0; step < STEPS; step++) await task.trainStep(batches[step % batches.length]);
  return (STEPS * BATCH) / ((performance.now() - start) / 1000);
}

export async function teardown() {
  for (const batch of batches)
    tf.dispose([batch.continuous, batch.binary, batch.discrete, batch.labels, batch.weights]);
  task.dispose();
  task.model.dispose();
}
