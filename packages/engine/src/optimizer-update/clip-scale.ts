import * as tf from "@tensorflow/tfjs-core";

/**
 * The factor that brings a gradient of global norm `norm` within `maxNorm`: `maxNorm / norm` when
 * the norm exceeds it, else 1 (a non-finite norm gives NaN so the step fails loudly).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm)) return Number.NaN;
  return norm > maxNorm ? maxNorm / norm : 1;
}

/**
 * `clipScale` as a scalar tensor computed on the backend's device from a scalar `norm` tensor, so
 * clipping reads nothing back to the host (GPU backends: no wait for the device mid-step).
 */
export function clipScaleOnDevice(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const scale = tf.where(tf.greater(norm, maxNorm), tf.div(maxNorm, norm), tf.onesLike(norm));
    return tf.where(tf.isFinite(norm), scale, tf.fill([], Number.NaN)) as tf.Scalar;
  });
}
