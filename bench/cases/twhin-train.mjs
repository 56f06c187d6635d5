// TwHIN training throughput as the original's local.yaml shape at scale: one 1,000,000 x 200
// table, 4 relations, batch 500, 10 in-batch negatives per side (10,000 negatives per step), BCE.
// Variants: "auto" = row-sparse SGD (the original's optimizer); "adagrad" = row-wise Adagrad.
export const name = "twhin_train_edges_per_s";
export const unit = "edges/s";
export const engines = ["auto", "adagrad"];
export const warmup = 1;
export const repeats = 5;

const STEPS = 40;
let state;

export async function setup() {
  // The variants are optimizers, not engines: all run on the default engine.
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  const engine = await selectBenchEngine("auto");
  const { buildTrainer } = await import("../lib/twhin-case.mjs");
  const optimizer =
    process.env.TML_BENCH_ENGINE === "adagrad"
      ? { adagrad: { lr: 0.1, rowwise: true } }
      : { sgd: { lr: 0.01 } };
  state = await buildTrainer({ rows: 1_000_000, optimizer });
  return { engine: engine.label };
}

export async function run() {
  const { trainEdgesPerSecond } = await import("../lib/twhin-case.mjs");
  return trainEdgesPerSecond(state, STEPS);
}
