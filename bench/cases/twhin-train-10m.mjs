// A 10,000,000 x 200 table (8 GB of float32) trains on a 24 GiB machine: row-wise Adagrad keeps
// one accumulator per row (40 MB). Same step shape as twhin_train_edges_per_s.
export const name = "twhin_train_10m_rows_edges_per_s";
export const unit = "edges/s";
export const warmup = 1;
export const repeats = 3;
// Memory, not threads, is what this case shows (8 GB of setup per process); twhin_train_edges_per_s
// has the one-thread row of the same step.
export const threads1Row = false;

const STEPS = 40;
let state;

export async function setup() {
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  const engine = await selectBenchEngine();
  const { buildTrainer } = await import("../lib/twhin-case.mjs");
  state = await buildTrainer({
    rows: 10_000_000,
    optimizer: { adagrad: { lr: 0.1, rowwise: true } },
  });
  return { engine: engine.label };
}

export async function run() {
  const { trainEdgesPerSecond } = await import("../lib/twhin-case.mjs");
  return trainEdgesPerSecond(state, STEPS);
}
