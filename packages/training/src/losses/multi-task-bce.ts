import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { bceWithLogits } from "./bce-with-logits.js";

/** How the T per-task losses become one loss (the original's `global_reduction`). */
export type GlobalReduction = "mean" | "sum" | "min" | "max" | "median";

/** Options of `multiTaskBceWithLogits`. */
export interface MultiTaskBceOptions {
  /** Task names, one per column (T). */
  taskNames: readonly string[];
  /** Positive-class weight per task (length T); default 1 each. */
  posWeights?: readonly number[];
  /** Reduction over the batch within a task; only `mean` (plain, weights not renormalised). */
  taskReduction?: "mean";
  /** Reduction over tasks; default `mean`. `median` takes the lower middle value for even T. */
  globalReduction?: GlobalReduction;
}

/** Result of `multiTaskBceWithLogits`: the training loss and each task's loss. */
export interface MultiTaskLoss {
  /** Scalar loss to differentiate. */
  loss: tf.Scalar;
  /** Per-task losses [T], in `taskNames` order. */
  perTaskLoss: tf.Tensor1D;
  /** Per-task losses keyed by task name (scalar slices of `perTaskLoss`). */
  perTask: Record<string, tf.Scalar>;
}

/**
 * The original's multi-task BCE (`core/losses.py`): for each task t,
 * loss_t = (1/B) Σ_b w[b,t]·ℓ(logits[b,t], labels[b,t]; posWeight_t); loss = reduce_t loss_t.
 * `logits`, `labels`, `weights` are B×T. Inside `tf.variableGrads` only `loss` survives: keep
 * `perTaskLoss` with `tf.keep` there to log it.
 */
export function multiTaskBceWithLogits(
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  weights: tf.Tensor2D,
  options: MultiTaskBceOptions,
): MultiTaskLoss {
  const taskCount = options.taskNames.length;
  assert(
    logits.rank === 2 && logits.shape[1] === taskCount,
    () => `logits must be [B, ${taskCount}] (one column per task), got [${logits.shape}]`,
  );
  for (const [name, tensor] of [
    ["labels", labels],
    ["weights", weights],
  ] as const) {
    assert(
      tensor.shape[0] === logits.shape[0] && tensor.shape[1] === taskCount,
      () => `${name} must be [${logits.shape}] like the logits, got [${tensor.shape}]`,
    );
  }
  const posWeights = options.posWeights;
  assert(
    posWeights === undefined || posWeights.length === taskCount,
    () => `posWeights has ${posWeights?.length} entries for ${taskCount} tasks`,
  );
  const perTaskLoss = tf.tidy(() => {
    const posWeight =
      posWeights === undefined || posWeights.every((p) => p === 1)
        ? undefined
        : tf.tensor1d(posWeights as number[]);
    const elementwise = bceWithLogits(logits, labels, {
      weights,
      reduction: "none",
      ...(posWeight ? { posWeight } : {}),
    });
    return tf.mean(elementwise, 0) as tf.Tensor1D; // [T]
  });
  const loss = tf.tidy(() => reduceTasks(perTaskLoss, options.globalReduction ?? "mean"));
  const perTask: Record<string, tf.Scalar> = {};
  options.taskNames.forEach((name, t) => {
    perTask[name] = tf.tidy(() => tf.reshape(tf.slice(perTaskLoss, [t], [1]), []) as tf.Scalar);
  });
  return { loss, perTaskLoss, perTask };
}

function reduceTasks(perTask: tf.Tensor1D, reduction: GlobalReduction): tf.Scalar {
  switch (reduction) {
    case "mean":
      return tf.mean(perTask);
    case "sum":
      return tf.sum(perTask);
    case "min":
      return tf.min(perTask);
    case "max":
      return tf.max(perTask);
    case "median":
      return lowerMedian(perTask);
  }
}

/**
 * The lower median of [T] values (torch.median's choice for even T), computed on the device: the
 * value whose rank in a stable ascending sort is ⌊(T−1)/2⌋, picked by a one-hot mask so no index is
 * read back. The gradient flows to that one value.
 */
const lowerMedian = tf.customGrad((values, save) => {
  const perTask = values as tf.Tensor1D;
  const taskCount = perTask.shape[0];
  const mask = tf.tidy(() => {
    const row = tf.reshape(perTask, [1, taskCount]); // [1, T]: v_j
    const column = tf.reshape(perTask, [taskCount, 1]); // [T, 1]: v_i
    // Ties are ranked by index, as a stable sort ranks them: j counts before i when j < i.
    const earlierValues = new Float32Array(taskCount * taskCount);
    for (let task = 0; task < taskCount; task++) {
      earlierValues.fill(1, task * taskCount, task * taskCount + task);
    }
    const earlier = tf.tensor2d(earlierValues, [taskCount, taskCount]); // [T, T]: 1 where j < i
    const before = tf.add(
      tf.cast(tf.less(row, column), "float32"),
      tf.mul(tf.cast(tf.equal(row, column), "float32"), earlier),
    ); // [T, T]: 1 where v_j sorts before v_i
    const rank = tf.sum(before, 1); // [T]
    return tf.cast(tf.equal(rank, Math.floor((taskCount - 1) / 2)), "float32"); // [T] one-hot
  });
  (save as tf.GradSaveFunc)([mask]);
  return {
    value: tf.sum(tf.mul(perTask, mask)) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]!),
  };
}) as (perTask: tf.Tensor1D) => tf.Scalar;
