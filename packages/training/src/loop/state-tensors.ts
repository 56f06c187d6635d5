import * as tf from "@tensorflow/tfjs-core";
import { CheckpointError, checkStateArray, type StateArray } from "@tml/core";

/** Copies a float32 or int32 tensor into a state array (a synchronous download). */
export function tensorToStateArray(tensor: tf.Tensor): StateArray {
  if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
    throw new CheckpointError(`Cannot save a ${tensor.dtype} tensor; only float32 and int32.`);
  }
  const data = tensor.dataSync() as Float32Array | Int32Array;
  return { dtype: tensor.dtype, shape: [...tensor.shape], data: data.slice() };
}

/**
 * Snapshot of tfjs variables keyed `<prefix><variable name>` (model weights for a `TaskState`).
 */
export function variablesToStateArrays(
  variables: readonly tf.Variable[],
  prefix = "",
): Record<string, StateArray> {
  const arrays: Record<string, StateArray> = {};
  for (const variable of variables) arrays[prefix + variable.name] = tensorToStateArray(variable);
  return arrays;
}

/**
 * Assigns saved arrays to tfjs variables (inverse of `variablesToStateArrays`). Throws
 * `CheckpointError` naming the variable when an array is missing or its shape or dtype differs.
 */
export function assignVariablesFromStateArrays(
  variables: readonly tf.Variable[],
  arrays: Record<string, StateArray>,
  prefix = "",
): void {
  for (const variable of variables) {
    const key = prefix + variable.name;
    const array = arrays[key];
    if (array === undefined) {
      throw new CheckpointError(`Checkpoint has no array "${key}" for variable ${variable.name}.`, {
        details: { array: key },
      });
    }
    checkStateArray(key, array, variable.shape, variable.dtype);
    tf.tidy(() => variable.assign(tf.tensor(array.data, variable.shape, variable.dtype)));
  }
}
