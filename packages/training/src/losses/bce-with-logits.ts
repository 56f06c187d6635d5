import * as tf from "@tensorflow/tfjs-core";

/** How per-element losses are combined: plain mean, sum, or none (same shape as the logits). */
export type LossReduction = "mean" | "sum" | "none";

/** Options of `bceWithLogits`. */
export interface BceWithLogitsOptions {
  /** Per-element weights, broadcastable to the logits (not renormalised by `mean`). */
  weights?: tf.Tensor;
  /** Weight of the positive term, broadcastable to the logits (per task: shape [T]). */
  posWeight?: tf.Tensor | number;
  /** Default `mean`. */
  reduction?: LossReduction;
}

/**
 * Binary cross-entropy on logits, stable for any |x|, with PyTorch's `pos_weight` semantics:
 * ℓ(x, y; p) = −[p·y·log σ(x) + (1−y)·log(1−σ(x))] = (1−y)·x + (1 + (p−1)·y)·softplus(−x).
 * `labels` are cast to float32 (soft labels in [0, 1] are allowed). Differentiating it needs the
 * gradients registered (`registerGradients()`, which `selectEngine` calls).
 */
export function bceWithLogits(
  logits: tf.Tensor,
  labels: tf.Tensor,
  options: BceWithLogitsOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const y = labels.dtype === "float32" ? labels : tf.cast(labels, "float32");
    const softplusNeg = tf.softplus(tf.neg(logits));
    let loss: tf.Tensor;
    if (options.posWeight === undefined || options.posWeight === 1) {
      loss = tf.add(tf.mul(tf.sub(1, y), logits), softplusNeg);
    } else {
      const logWeight = tf.add(1, tf.mul(tf.sub(options.posWeight, 1), y));
      loss = tf.add(tf.mul(tf.sub(1, y), logits), tf.mul(logWeight, softplusNeg));
    }
    if (options.weights !== undefined) loss = tf.mul(loss, options.weights);
    switch (options.reduction ?? "mean") {
      case "mean":
        return tf.mean(loss);
      case "sum":
        return tf.sum(loss);
      case "none":
        return loss;
    }
  });
}
