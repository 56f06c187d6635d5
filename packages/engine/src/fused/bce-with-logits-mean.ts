import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { type FusedKernelSpec, hasKernel, registerFusedKernel } from "./fused-kernel.js";

/** Name of the kernel behind `meanBceWithLogits` (registered for cpu and wasm). */
export const MEAN_BCE_KERNEL = "TmlMeanBceWithLogits";

/**
 * TmlMeanBceWithLogits: logits, labels, weights [B, T], attr posWeights (T numbers) → the mean
 * weighted loss [] and its gradient w.r.t. the logits [B, T] (kept for the backward pass), in one
 * float64 pass over the B × T entries.
 */
export const meanBceKernel: FusedKernelSpec = {
  kernelName: MEAN_BCE_KERNEL,
  outputShapes(inputs) {
    return [[], [...(inputs["logits"]?.shape ?? [])]];
  },
  run(inputs, outputs, shapes, attrs) {
    const x = inputs["logits"] as Float32Array;
    const y = inputs["labels"] as Float32Array;
    const w = inputs["weights"] as Float32Array;
    const posWeights = attrs["posWeights"] as number[];
    const taskCount = (shapes["logits"] as number[])[1] as number;
    const [loss, gradient] = outputs as [Float32Array, Float32Array];
    // mean over B then over T = Σ / (B·T).
    const scale = 1 / x.length;
    let total = 0;
    for (let index = 0; index < x.length; index++) {
      const logit = x[index]!;
      const label = y[index]!;
      const weight = w[index]!;
      const logWeight = 1 + (posWeights[index % taskCount]! - 1) * label;
      // softplus(−x) = max(−x, 0) + log1p(e^−|x|), stable for any x.
      const softplus = Math.max(-logit, 0) + Math.log1p(Math.exp(-Math.abs(logit)));
      total += weight * ((1 - label) * logit + logWeight * softplus);
      // d/dx: (1 − y) − logWeight·σ(−x).
      gradient[index] = weight * scale * (1 - label - logWeight / (1 + Math.exp(logit)));
    }
    loss[0] = total * scale;
  },
};

/** Registers TmlMeanBceWithLogits on cpu and wasm and its gradient (idempotent). */
export function registerMeanBceKernel(): void {
  registerFusedKernel(meanBceKernel);
  if (tf.getGradient(meanBceKernel.kernelName) !== undefined) return;
  tf.registerGradient({
    kernelName: meanBceKernel.kernelName,
    outputsToSave: [false, true],
    gradFunc: (dy, saved) => {
      const [dLogits] = saved as [tf.Tensor];
      const dLoss = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
      return { logits: () => tf.mul(dLoss, dLogits) };
    },
  });
}

/**
 * Binary cross-entropy on logits averaged over every entry of [B, T] (mean over the batch, then
 * over the tasks): ℓ = w·[(1−y)·x + (1 + (p_t−1)·y)·softplus(−x)], PyTorch's `pos_weight`
 * semantics with one positive weight p_t per column. One kernel each way where the backend has it
 * (cpu, wasm: the tape holds one node instead of ~20 forward and ~16 backward ops), the tfjs-op
 * chain elsewhere. Logits, labels and weights are [B, T]; returns a scalar.
 */
export function meanBceWithLogits(
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  weights: tf.Tensor2D,
  posWeights: readonly number[],
): tf.Scalar {
  const taskCount = posWeights.length;
  assert(
    logits.rank === 2 && logits.shape[1] === taskCount,
    () => `logits must be [B, ${taskCount}] with ${taskCount} pos weights, got [${logits.shape}]`,
  );
  const same = (tensor: tf.Tensor) => tf.util.arraysEqual(tensor.shape, logits.shape);
  assert(
    same(labels) && same(weights),
    () =>
      `labels [${labels.shape}] and weights [${weights.shape}] must be shaped like the logits [${logits.shape}]`,
  );
  const float32 = [logits, labels, weights].every((tensor) => tensor.dtype === "float32");
  if (float32 && hasKernel(meanBceKernel.kernelName)) {
    const [loss, gradient] = tf
      .engine()
      .runKernel(
        meanBceKernel.kernelName,
        { logits, labels, weights },
        { posWeights: [...posWeights] },
      ) as unknown as [tf.Scalar, tf.Tensor];
    gradient.dispose();
    return loss;
  }
  return tf.tidy(() => {
    const y = labels.dtype === "float32" ? labels : tf.cast(labels, "float32");
    const softplusNeg = tf.softplus(tf.neg(logits));
    let loss: tf.Tensor;
    if (posWeights.every((weight) => weight === 1)) {
      loss = tf.add(tf.mul(tf.sub(1, y), logits), softplusNeg);
    } else {
      const logWeight = tf.add(1, tf.mul(tf.sub(tf.tensor1d(posWeights as number[]), 1), y));
      loss = tf.add(tf.mul(tf.sub(1, y), logits), tf.mul(logWeight, softplusNeg));
    }
    return tf.mean(tf.mean(tf.mul(loss, weights), 0)) as tf.Scalar;
  });
}
