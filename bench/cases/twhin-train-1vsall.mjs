// Knowledge-graph training throughput at FB15k-237's shape, as `trainer kg --recipe complex`
// trains it there (`complex-dense`): one 14,541 x 512 table, 237 relations, ComplEx
// (`complex_diagonal`, dot) with reciprocal relations, cross-entropy over all 14,541 entities per
// direction (1vsAll: three 2,000 x 512 x 14,541 products per step), N3 0.05, element-wise Adagrad
// 0.1, batches of 1,000 edges; one worker (1vsAll updates every row each step).
export const name = "twhin_train_1vsall_edges_per_s";
export const unit = "edges/s";
export const warmup = 1;
export const repeats = 3;

const ROWS = 14_541;
const DIM = 512;
const BATCH = 1_000;
const STEPS = 8;
/** FLOP per edge: the three products of both directions (2 x 3 x 2 x 512 x 14,541). */
export const flopsPerItem = 2 * 3 * 2 * DIM * ROWS;

let state;

export async function setup() {
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  const engine = await selectBenchEngine("auto");
  const { buildTrainer } = await import("../lib/twhin-case.mjs");
  state = await buildTrainer({
    rows: ROWS,
    dim: DIM,
    batch: BATCH,
    inBatch: 0,
    global: "all",
    optimizer: { adagrad: { lr: 0.1 } },
    translationOptimizer: { adagrad: { lr: 0.1 } },
    relations: 237,
    operator: "complex_diagonal",
    model: {
      comparator: "dot",
      loss: { type: "softmax" },
      reciprocal_relations: true,
      relation_init: "identity",
      regularizer: "n3",
      regularization: 0.05,
    },
    edges: 20 * BATCH,
    workers: 1,
  });
  return { engine: engine.label };
}

export async function run() {
  const { trainEdgesPerSecond } = await import("../lib/twhin-case.mjs");
  return trainEdgesPerSecond(state, STEPS);
}
