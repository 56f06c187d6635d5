import { encodeExample, type FeatureValue } from "../tfrecord/index.js";
import type { RankerChunk } from "./ranker-chunk.js";
import { rankerChunkToTable, rankerSegdenseSchema } from "./ranker-table.js";

/**
 * A chunk's rows as serialized `tf.train.Example`s with the segdense feature names, dtypes and
 * lengths (what the original's TFRecord data holds), one per row.
 */
export function* rankerChunkToExamples(chunk: RankerChunk): Generator<Uint8Array> {
  const schema = rankerSegdenseSchema(chunk);
  const table = rankerChunkToTable(chunk);
  // Flat value arrays of each feature, read back from the Arrow columns (vectors: their child).
  const flat = schema.map((entry) => {
    const data = table.getChild(entry.feature_name)?.data[0];
    const values = entry.length === 1 ? data?.values : data?.children[0]?.values;
    return values as Float32Array | BigInt64Array;
  });
  for (let row = 0; row < chunk.rows; row++) {
    const features: Record<string, FeatureValue> = {};
    schema.forEach((entry, f) => {
      const values = (flat[f] as Float32Array | BigInt64Array).subarray(
        row * entry.length,
        (row + 1) * entry.length,
      );
      features[entry.feature_name] =
        values instanceof Float32Array
          ? { kind: "float_list", values }
          : { kind: "int64_list", values };
    });
    yield encodeExample(features);
  }
}
