import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { multiTaskBceWithLogits } from "@tml/training";

// Backends whose reads are plain memory copies (no device sync): there the loss and its gradient
// are computed in one host pass, instead of ~20 forward and ~16 backward tfjs ops per step.
const HOST_LOSS_BACKENDS = new Set(["cpu", "wasm"]);

/** Options of `recapTrainingLoss`. */
export interface RecapLossOptions {
  /** Task names, one per column (T). */
  readonly taskNames: readonly string[];
  /** Positive-class weight per task (length T). */
  readonly posWeights: readonly number[];
  /** `host` (default on cpu/wasm) or `tensor` (core's multiTaskBceWithLogits; any backend). */
  readonly implementation?: "auto" | "host" | "tensor";
}

/**
 * The Heavy Ranker's training loss, a scalar: multi-task BCE with logits, per-task pos_weight and
 * per-example weights, mean over the batch then over the tasks (the original's `core/losses.py`;
 * core's `multiTaskBceWithLogits` with the default reductions). On cpu/wasm the value and the
 * gradient w.r.t. the logits come from one float64 pass over the B × T entries (a custom
 * gradient), so the tape holds one node instead of dozens. Logits, labels and weights are [B, T].
 */
export function recapTrainingLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  weights: tf.Tensor2D,
  options: RecapLossOptions,
): tf.Scalar {
  const implementation = options.implementation ?? "auto";
  const host =
    implementation === "host" ||
    (implementation === "auto" && HOST_LOSS_BACKENDS.has(tf.getBackend()));
  if (!host) {
    return multiTaskBceWithLogits(logits, labels, weights, {
      taskNames: options.taskNames,
      posWeights: options.posWeights,
    }).loss;
  }
  const taskCount = options.taskNames.length;
  assert(
    logits.rank === 2 && logits.shape[1] === taskCount && options.posWeights.length === taskCount,
    () =>
      `logits must be [B, ${taskCount}] with ${taskCount} pos weights, got [${logits.shape}] and ${options.posWeights.length}`,
  );
  const same = (tensor: tf.Tensor) => tf.util.arraysEqual(tensor.shape, logits.shape);
  assert(
    same(labels) && same(weights),
    () =>
      `labels [${labels.shape}] and weights [${weights.shape}] must be shaped like the logits [${logits.shape}]`,
  );
  const y = labels.dataSync();
  const w = weights.dataSync();
  const posWeights = options.posWeights;
  const loss = tf.customGrad((x, save) => {
    const input = x as tf.Tensor;
    const values = input.dataSync();
    const count = values.length;
    const gradient = new Float32Array(count);
    // mean over B then over T = Σ / (B·T).
    const scale = 1 / count;
    let total = 0;
    for (let index = 0; index < count; index++) {
      const logit = values[index]!;
      const label = y[index]!;
      const weight = w[index]!;
      const logWeight = 1 + (posWeights[index % taskCount]! - 1) * label;
      // softplus(−x) = max(−x, 0) + log1p(e^−|x|), stable for any x.
      const softplus = Math.max(-logit, 0) + Math.log1p(Math.exp(-Math.abs(logit)));
      total += weight * ((1 - label) * logit + logWeight * softplus);
      // d/dx: (1 − y) − logWeight·σ(−x).
      gradient[index] = weight * scale * (1 - label - logWeight / (1 + Math.exp(logit)));
    }
    const saved = tf.tensor(gradient, input.shape, "float32");
    (save as (tensors: tf.Tensor[]) => void)([saved]);
    return {
      value: tf.scalar(total * scale),
      gradFunc: (dy, [dLogits]) => tf.mul(dy, dLogits as tf.Tensor),
    };
  });
  return loss(logits) as tf.Scalar;
}
