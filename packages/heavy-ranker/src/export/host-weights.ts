import type * as tf from "@tensorflow/tfjs-core";

/** A model tensor read to the host: its values (int32 stays int32) and shape. */
export interface HostWeight {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
}

/**
 * Reads every named tensor to the host at once (`data()`, all reads in flight together), so the
 * exporters build their graphs from plain arrays: GPU backends have no synchronous read in Node.
 */
export async function readHostWeights(
  weights: ReadonlyMap<string, tf.Variable>,
): Promise<Map<string, HostWeight>> {
  const entries = [...weights];
  const read = await Promise.all(entries.map(([, variable]) => variable.data()));
  return new Map(
    entries.map(([name, variable], i): [string, HostWeight] => {
      const values = read[i] as Float32Array | Int32Array | Uint8Array;
      const data =
        variable.dtype === "int32"
          ? Int32Array.from(values)
          : values instanceof Float32Array
            ? values
            : Float32Array.from(values);
      return [
        name,
        { data, shape: variable.shape, dtype: data instanceof Int32Array ? "int32" : "float32" },
      ];
    }),
  );
}
