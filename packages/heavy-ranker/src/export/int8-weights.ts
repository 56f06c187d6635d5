/** Symmetric int8 weights of a dense layer, one scale per output channel. */
export interface Int8Weights {
  /** in x out, row-major: W[i, j] ≈ values[i · out + j] · scales[j]. */
  readonly values: Int8Array;
  /** out scales, max |W[:, j]| / 127 (1 for an all-zero column). */
  readonly scales: Float32Array;
}

/**
 * Quantises an in x out float32 matrix (row-major) to int8 per output column with a symmetric
 * range [−127, 127] and zero point 0, rounding to nearest: the layout onnxruntime's
 * DynamicQuantizeMatMul takes as its B input. Error per weight ≤ scale / 2.
 */
export function quantizePerColumn(weights: Float32Array, rows: number, cols: number): Int8Weights {
  const maxima = new Float32Array(cols);
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let col = 0; col < cols; col++) {
      const magnitude = Math.abs(weights[offset + col] as number);
      if (magnitude > (maxima[col] as number)) maxima[col] = magnitude;
    }
  }
  const scales = Float32Array.from(maxima, (maximum) => (maximum > 0 ? maximum / 127 : 1));
  const values = new Int8Array(rows * cols);
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let col = 0; col < cols; col++) {
      const level = Math.round((weights[offset + col] as number) / (scales[col] as number));
      values[offset + col] = Math.max(-127, Math.min(127, level));
    }
  }
  return { values, scales };
}
