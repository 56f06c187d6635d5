import * as tf from "@tensorflow/tfjs-core";
import { DataError } from "@tml/core";
import type { RecapBatch } from "../features/recap-batch.js";

/**
 * Labels and weights [B, T] in model-task order. When the batch's columns already are the model
 * tasks they are returned as is; otherwise the columns are picked by name (the caller's tidy owns
 * the result). Throws DataError naming a model task the batch lacks.
 */
export function alignedTargets(
  batch: Pick<RecapBatch, "labels" | "weights" | "taskNames">,
  taskNames: readonly string[],
): { labels: tf.Tensor2D; weights: tf.Tensor2D } {
  const same =
    batch.taskNames.length === taskNames.length &&
    batch.taskNames.every((name, index) => name === taskNames[index]);
  if (same) return { labels: batch.labels, weights: batch.weights };
  const indices = taskNames.map((name) => {
    const index = batch.taskNames.indexOf(name);
    if (index < 0)
      throw new DataError(
        `batch has no label column for model task ${name} (has ${batch.taskNames.join(", ")})`,
      );
    return index;
  });
  const columns = tf.tensor1d(indices, "int32");
  return {
    labels: tf.gather(batch.labels, columns, 1),
    weights: tf.gather(batch.weights, columns, 1),
  };
}
