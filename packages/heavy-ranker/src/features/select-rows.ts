import type { FeatureBatch, FeatureColumn } from "./feature-batch.js";

/** A new batch holding the given rows of every column, in the given order. */
export function selectRows(batch: FeatureBatch, rows: readonly number[]): FeatureBatch {
  const features = new Map<string, FeatureColumn>();
  for (const [name, column] of batch.features) {
    const Values = column.values.constructor as new (length: number) => FeatureColumn["values"];
    const out = new Values(rows.length * column.width);
    rows.forEach((row, index) => {
      out.set(
        column.values.subarray(row * column.width, (row + 1) * column.width) as never,
        index * column.width,
      );
    });
    features.set(name, { values: out, width: column.width });
  }
  return { numRows: rows.length, features };
}
