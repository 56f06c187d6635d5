import { DataError } from "@tml/core";
import type { ColumnBatch } from "../arrow/column-batch.js";

/**
 * Checks that the float columns `names` of a chunk hold only finite values (no NaN, no ±Infinity);
 * a DataError names the file, the row within it and the column otherwise. Columns that are absent
 * or not float are left to the reader's own checks.
 */
export function checkFiniteColumns(chunk: ColumnBatch, names: readonly string[]): void {
  for (const name of names) {
    const column = chunk.columns[name];
    if (column === undefined || (column.dtype !== "float32" && column.dtype !== "float64"))
      continue;
    const values = column.values as Float32Array | Float64Array;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value - value === 0) continue; // finite (NaN and ±Infinity give NaN)
      const row =
        column.rowLength >= 1 ? Math.floor(i / column.rowLength) : rowOf(column.offsets!, i);
      const where = chunk.source
        ? `${chunk.source.file} row ${chunk.source.firstRow + row}`
        : `row ${row} of a batch`;
      throw new DataError(
        `${where}: column "${name}" holds ${value}; features must be finite numbers. Fix or drop the row.`,
        { details: { file: chunk.source?.file, row, column: name, value: String(value) } },
      );
    }
  }
}

function rowOf(offsets: Int32Array, index: number): number {
  let row = 0;
  while (offsets[row + 1]! <= index) row++;
  return row;
}
