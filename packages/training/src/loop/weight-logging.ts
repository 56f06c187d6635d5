import * as tf from "@tensorflow/tfjs-core";

/** A named reduction of a weight tensor to one number (mean, norm, max…). */
export type WeightReduction = (weights: tf.Tensor) => tf.Scalar;

/** Reductions most often logged: mean, L2 norm, mean |w|, max |w|. */
export const WEIGHT_REDUCTIONS: Readonly<Record<string, WeightReduction>> = {
  mean: (w) => tf.mean(w),
  norm: (w) => tf.norm(w) as tf.Scalar,
  mean_abs: (w) => tf.mean(tf.abs(w)),
  max_abs: (w) => tf.max(tf.abs(w)),
};

/** Reductions of a 2-D embedding table [rows, dim] over its row L2 norms: their mean and maximum. */
export const ROW_NORM_REDUCTIONS: Readonly<Record<string, WeightReduction>> = {
  mean_row_norm: (w) => tf.mean(tf.norm(w, "euclidean", 1)),
  max_row_norm: (w) => tf.max(tf.norm(w, "euclidean", 1)),
};

/**
 * Per-parameter reductions for the training log, as the original's `weights_to_log`:
 * `{ "model/<reduction>/<parameter>": value }`. `reductions` applies every listed reduction to
 * every parameter. One device read for all values.
 */
export async function weightsToLog(
  parameters: ReadonlyMap<string, tf.Tensor>,
  reductions: Readonly<Record<string, WeightReduction>> = { norm: WEIGHT_REDUCTIONS["norm"]! },
): Promise<Record<string, number>> {
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
  const data = await stacked.data();
  stacked.dispose();
  return Object.fromEntries(keys.map((key, i) => [key, data[i]!]));
}

/** Mean and largest L2 norm of the rows of an embedding table. */
export interface RowNormStatistics {
  mean: number;
  max: number;
}

/**
 * Mean and largest row L2 norm of a row-major `rows × dim` embedding table held in a typed array
 * (the original's `log_ebc_norms` logs the mean). Tables of more than `sampleRows` rows (default
 * 1,000,000) are read at an even stride of ⌈rows ÷ sampleRows⌉ rows, so one call costs at most
 * `sampleRows × dim` multiply-adds; `max` is then the largest norm among the rows read. An empty
 * table gives NaN for both.
 */
export function rowNormStatistics(
  table: ArrayLike<number>,
  dim: number,
  sampleRows = 1_000_000,
): RowNormStatistics {
  const rows = Math.floor(table.length / dim);
  if (rows === 0) return { mean: Number.NaN, max: Number.NaN };
  const stride = Math.ceil(rows / sampleRows);
  let sum = 0;
  let max = 0;
  let count = 0;
  for (let row = 0; row < rows; row += stride) {
    let squares = 0;
    for (let j = row * dim; j < (row + 1) * dim; j++) squares += table[j]! * table[j]!;
    const norm = Math.sqrt(squares);
    sum += norm;
    if (norm > max) max = norm;
    count++;
  }
  return { mean: sum / count, max };
}
