import * as tf from "@tensorflow/tfjs-core";

/**
 * Numeric calibration (`projects/home/recap/model/numeric_calibration.py`) undoing training-data
 * down-sampling: p_cal = p·r / (1 − p + r·p) with r = neg_downsampling_rate / pos_downsampling_rate
 * per task, i.e. the odds are multiplied by r. `probabilities` [B, T], `ratios` [T] → [B, T].
 */
export function calibrateProbabilities(
  probabilities: tf.Tensor2D,
  ratios: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const scaled = tf.mul(probabilities, ratios);
    return tf.div(scaled, tf.add(tf.sub(1, probabilities), scaled)) as tf.Tensor2D;
  });
}

/** The calibration ratio r = neg_rate / pos_rate of one task (1 when neither was down-sampled). */
export function calibrationRatio(rates: {
  pos_downsampling_rate: number;
  neg_downsampling_rate: number;
}): number {
  return rates.neg_downsampling_rate / rates.pos_downsampling_rate;
}

/** The module key of a task name: dots become `__` (`projects/home/recap/model/entrypoint.py`). */
export function sanitizeTaskName(name: string): string {
  return name.replaceAll(".", "__");
}

/** Inverse of `sanitizeTaskName`. */
export function unsanitizeTaskName(key: string): string {
  return key.replaceAll("__", ".");
}
