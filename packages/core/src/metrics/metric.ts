import { DataError } from "../errors/index.js";

/** Numbers indexed 0…n−1: a typed array or a plain array. */
export type NumericArray = ArrayLike<number>;

/**
 * One batch of binary-classification outputs, all of length n. `predictions` are probabilities in
 * [0, 1] unless a metric says it takes logits or any score; `labels` are 0/1 (soft labels allowed
 * where stated); `weights` are per-example (or one number for all), default 1.
 */
export interface BinaryBatch {
  predictions: NumericArray;
  labels: NumericArray;
  weights?: NumericArray | number;
  /** Discrete features to stratify by (`stratified`), each of length n. */
  stratifiers?: Readonly<Record<string, NumericArray>>;
}

/**
 * A metric as pure functions over explicit state: `init` a state, `update` it with batches (it may
 * mutate and returns the state), `compute` the value. Merging two states (`merge`) combines
 * workers or shards.
 */
export interface Metric<State, Input = BinaryBatch, Value = number> {
  init(): State;
  update(state: State, input: Input): State;
  compute(state: State): Value;
  merge?(a: State, b: State): State;
}

/** A metric over binary batches producing one number (what `MultiTaskMetrics` collects). */
// biome-ignore lint/suspicious/noExplicitAny: collections hold metrics of any state type
export type ScalarMetric = Metric<any, BinaryBatch, number>;

/** Weight of example `i` of a batch (1 when no weights were given). */
export function weightAt(weights: NumericArray | number | undefined, i: number): number {
  if (weights === undefined) return 1;
  return typeof weights === "number" ? weights : weights[i]!;
}

/** Throws `DataError` unless labels and weights match the predictions' length. */
export function checkBatch(batch: BinaryBatch, metric: string): number {
  const n = batch.predictions.length;
  if (batch.labels.length !== n) {
    throw new DataError(
      `${metric}: ${n} predictions but ${batch.labels.length} labels; pass one label per prediction.`,
    );
  }
  if (typeof batch.weights === "object" && batch.weights.length !== n) {
    throw new DataError(
      `${metric}: ${n} predictions but ${batch.weights.length} weights; pass one weight per prediction.`,
    );
  }
  return n;
}

/**
 * A metric's value over `batches` from a fresh state, e.g. the RCE of one batch alone (the
 * original's `forward()`).
 */
export function computeMetric<State, Input, Value>(
  metric: Metric<State, Input, Value>,
  ...batches: Input[]
): Value {
  let state = metric.init();
  for (const batch of batches) state = metric.update(state, batch);
  return metric.compute(state);
}
