import * as tf from "@tensorflow/tfjs-core";
import { CheckpointError, checkStateArray, type StateArray } from "@tml/core";

/**
 * Copies a float32 or int32 tensor into a state array. The download is asynchronous: GPU backends
 * (webgpu) have no synchronous read in Node.
 */
export async function tensorToStateArray(tensor: tf.Tensor): Promise<StateArray> {
  if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
    throw new CheckpointError(`Cannot save a ${tensor.dtype} tensor; only float32 and int32.`);
  }
  const data = (await tensor.data()) as Float32Array | Int32Array;
  return { dtype: tensor.dtype, shape: [...tensor.shape], data: data.slice() };
}

/**
 * Snapshot of tfjs variables keyed `<prefix><variable name>` (model weights for a `TaskState`).
 */
export async function variablesToStateArrays(
  variables: readonly tf.Variable[],
  prefix = "",
): Promise<Record<string, StateArray>> {
  const arrays = await Promise.all(variables.map(tensorToStateArray));
  return Object.fromEntries(variables.map((variable, i) => [prefix + variable.name, arrays[i]!]));
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
