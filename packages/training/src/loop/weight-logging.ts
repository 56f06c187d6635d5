import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "@tml/core";

/** A named reduction of a weight tensor to one number (mean, norm, max…). */
export type WeightReduction = (weights: tf.Tensor) => tf.Scalar;

/** Reductions most often logged: mean, L2 norm, mean |w|, max |w|. */
export const WEIGHT_REDUCTIONS: Readonly<Record<string, WeightReduction>> = {
  mean: (w) => tf.mean(w),
  norm: (w) => tf.norm(w) as tf.Scalar,
  mean_abs: (w) => tf.mean(tf.abs(w)),
  max_abs: (w) => tf.max(tf.abs(w)),
};

/**
 * Per-parameter reductions for the training log, as the original's `weights_to_log`:
 * `{ "model/<reduction>/<parameter>": value }`. `reductions` applies every listed reduction to
 * every parameter. One device read for all values.
 */
export function weightsToLog(
  parameters: ReadonlyMap<string, tf.Tensor>,
  reductions: Readonly<Record<string, WeightReduction>> = { norm: WEIGHT_REDUCTIONS["norm"]! },
): Record<string, number> {
  const keys: string[] = [];
  const stacked = tf.tidy(() => {
    const values: tf.Scalar[] = [];
    for (const [name, weights] of parameters) {
      for (const [reduction, reduce] of Object.entries(reductions)) {
        keys.push(`model/${reduction}/${name}`);
        values.push(reduce(weights));
      }
    }
    return values.length === 0 ? tf.zeros([0]) : tf.stack(values);
  });
  const data = stacked.dataSync();
  stacked.dispose();
  return Object.fromEntries(keys.map((key, i) => [key, data[i]!]));
}

/**
 * Mean L2 norm of the rows of a row-major `rows × dim` embedding table held in a typed array (the
 * original's `log_ebc_norms`). With more than `sampleSize` rows, a uniform sample (with
 * replacement, drawn from `rng`) is used.
 */
export function meanRowNorm(
  table: Float32Array,
  dim: number,
  options: { sampleSize?: number; rng?: Pick<Rng, "int"> } = {},
): number {
  const rows = Math.floor(table.length / dim);
  if (rows === 0) return Number.NaN;
  const sampleSize = options.sampleSize ?? 4_000_000;
  const sampled = rows > sampleSize && options.rng !== undefined;
  const count = sampled ? sampleSize : rows;
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const row = sampled ? options.rng!.int(rows) : k;
    let squares = 0;
    for (let j = row * dim; j < (row + 1) * dim; j++) squares += table[j]! * table[j]!;
    sum += Math.sqrt(squares);
  }
  return sum / count;
}
