import * as tf from "@tensorflow/tfjs-core";
import type { Matrix, RecapArrays } from "./prepare-recap-arrays.js";
import type { RecapBatch } from "./recap-batch.js";

function tensor2d(rows: number, matrix: Matrix | Matrix<Int32Array>): tf.Tensor2D {
  const dtype = matrix.values instanceof Int32Array ? "int32" : "float32";
  return tf.tensor2d(matrix.values, [rows, matrix.width], dtype);
}

/** Makes the tfjs tensors of a RecapBatch from its typed arrays (the caller disposes them). */
export function toRecapBatch(arrays: RecapArrays): RecapBatch {
  const rows = arrays.numRows;
  const { userEmbedding, userEngEmbedding, authorEmbedding } = arrays.embeddings;
  return {
    size: rows,
    continuous: tensor2d(rows, arrays.continuous),
    binary: tensor2d(rows, arrays.binary),
    discrete: tensor2d(rows, arrays.discrete),
    ...(userEmbedding && { userEmbedding: tensor2d(rows, userEmbedding) }),
    ...(userEngEmbedding && { userEngEmbedding: tensor2d(rows, userEngEmbedding) }),
    ...(authorEmbedding && { authorEmbedding: tensor2d(rows, authorEmbedding) }),
    labels: tensor2d(rows, arrays.labels),
    weights: tensor2d(rows, arrays.weights),
    taskNames: arrays.taskNames,
    ...(arrays.ids ? { ids: arrays.ids } : {}),
  };
}
