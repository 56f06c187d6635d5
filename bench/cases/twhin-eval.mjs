// Filtered link-prediction ranking speed: each query scores all 1,000,000 rows of a 200-d table
// (dense products through the engine) and ranks the answer; queries/s over 100 edges x 2 sides.
export const name = "twhin_eval_queries_per_s";
export const unit = "queries/s";
export const warmup = 1;
export const repeats = 3;

const ROWS = 1_000_000;
const DIM = 200;
/** FLOP per query: one score (a DIM-long dot product) per table row. */
export const flopsPerItem = 2 * ROWS * DIM;

let state;

export async function setup() {
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  const engine = await selectBenchEngine();
  const { buildTrainer } = await import("../lib/twhin-case.mjs");
  const built = await buildTrainer({
    rows: ROWS,
    dim: DIM,
    optimizer: { sgd: { lr: 0.01 } },
    edges: 100,
    // A table of its own, as `evaluator twhin` loads from a checkpoint (Hogwild's shared tables
    // reach onnxruntime through a copy).
    workers: 1,
  });
  const edges = built.batches.next();
  state = {
    ...built,
    edges: { lhs: edges.lhs.slice(), rel: edges.rel.slice(), rhs: edges.rhs.slice(), size: 100 },
  };
  return { engine: engine.label };
}

export async function run() {
  const start = performance.now();
  const result = await state.twhin.evaluateLinkPrediction(state.model, state.edges);
  return result.both.count / ((performance.now() - start) / 1000);
}
