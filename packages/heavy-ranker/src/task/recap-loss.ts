import type * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { meanBceWithLogits } from "@tml/engine";

/** Options of `recapTrainingLoss`. */
export interface RecapLossOptions {
  /** Task names, one per column (T). */
  readonly taskNames: readonly string[];
  /** Positive-class weight per task (length T). */
  readonly posWeights: readonly number[];
}

/**
 * The Heavy Ranker's training loss, a scalar: multi-task BCE with logits, per-task pos_weight and
 * per-example weights, mean over the batch then over the tasks (the original's
 * `core/losses.py` multi-task loss; training's `multiTaskBceWithLogits` with the default
 * reductions). It runs as the engine's `meanBceWithLogits`: on cpu/wasm one kernel computes
 * the value and the logit gradient in one float64 pass, so the tape holds one node instead of
 * dozens. Logits, labels and weights are [B, T].
 */
export function recapTrainingLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  weights: tf.Tensor2D,
  options: RecapLossOptions,
): tf.Scalar {
  assert(
    options.posWeights.length === options.taskNames.length,
    () => `${options.posWeights.length} pos weights for ${options.taskNames.length} tasks`,
  );
  return meanBceWithLogits(logits, labels, weights, options.posWeights);
}
