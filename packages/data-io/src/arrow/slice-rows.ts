import type { ColumnBatch } from "./column-batch.js";

/**
 * Rows [start, end) of a batch as views (no copy of fixed-width values). The batch's `nullCount`s
 * go to the slice that starts at row 0 and later slices report 0, so counts summed over the
 * slices of a batch stay exact.
 */
export function sliceRows(batch: ColumnBatch, start: number, end: number): ColumnBatch {
  const columns: ColumnBatch["columns"] = {};
  for (const [name, whole] of Object.entries(batch.columns)) {
    const column = start === 0 ? whole : { ...whole, nullCount: 0 };
    if (column.rowLength >= 1) {
      const width = column.rowLength;
      columns[name] = { ...column, values: column.values.subarray(start * width, end * width) };
    } else {
      const offsets = column.offsets!;
      const base = offsets[start]!;
      const sliced = offsets.slice(start, end + 1);
      for (let row = 0; row < sliced.length; row++) sliced[row] -= base;
      columns[name] = {
        ...column,
        values: column.values.subarray(base, offsets[end]!),
        offsets: sliced,
      };
    }
  }
  const result: ColumnBatch = { numRows: end - start, columns };
  if (batch.source) result.source = { ...batch.source, firstRow: batch.source.firstRow + start };
  return result;
}
