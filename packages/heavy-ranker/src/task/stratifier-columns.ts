import type * as tf from "@tensorflow/tfjs-core";
import { DataError } from "@tml/core";
import type { StratifierConfig } from "../config/model-config.js";

/**
 * Each stratifier's discrete column of a batch, by stratifier name: `discrete[:, index]` as B
 * int32 values (one asynchronous device→host read of the B x D discrete tensor). A stratifier whose index is
 * outside the data's discrete columns is a DataError.
 */
export async function stratifierColumns(
  discrete: tf.Tensor2D,
  stratifiers: readonly StratifierConfig[],
): Promise<Record<string, Int32Array>> {
  const [rows, width] = discrete.shape;
  const columns: Record<string, Int32Array> = {};
  if (stratifiers.length === 0) return columns;
  for (const { name, index } of stratifiers) {
    if (index >= width) {
      throw new DataError(
        `Stratifier "${name}" reads discrete column ${index}, but the data has ${width} discrete columns; fix model.stratifiers.`,
      );
    }
  }
  const values = await discrete.data();
  for (const { name, index } of stratifiers) {
    const column = new Int32Array(rows);
    for (let row = 0; row < rows; row++) column[row] = values[row * width + index] as number;
    columns[name] = column;
  }
  return columns;
}
