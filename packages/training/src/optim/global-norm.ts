import * as tf from "@tensorflow/tfjs-core";

/** The global L2 norm √(Σᵢ ‖gᵢ‖²) of a list of tensors, as a scalar tensor. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    if (tensors.length === 0) return tf.scalar(0);
    const squares = tensors.map((tensor) => tf.sum(tf.square(tensor)));
    return tf.sqrt(tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * The factor that brings a gradient of global norm `norm` within `maxNorm`: `maxNorm / norm` when
 * the norm exceeds it, else 1 (a non-finite norm gives NaN so the step fails loudly).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm)) return Number.NaN;
  return norm > maxNorm ? maxNorm / norm : 1;
}
