import { DataError } from "@tml/core";
import {
  allocateValues,
  type Column,
  type ColumnBatch,
  describeColumnType,
} from "./column-batch.js";

/**
 * Concatenates batches with the same columns (names, dtypes, row lengths) into one, copying the
 * values. A batch whose columns differ from the first is a DataError naming its file and column.
 */
export function concatBatches(batches: readonly ColumnBatch[]): ColumnBatch {
  const first = batches[0];
  if (first === undefined) return { numRows: 0, columns: {} };
  if (batches.length === 1) return first;
  const numRows = batches.reduce((sum, batch) => sum + batch.numRows, 0);
  const columns: Record<string, Column> = {};
  for (const [name, template] of Object.entries(first.columns)) {
    const parts = batches.map((batch) => matchingColumn(batch, name, template));
    const total = parts.reduce((sum, part) => sum + part.values.length, 0);
    const values = allocateValues(template.dtype, total);
    let offset = 0;
    for (const part of parts) {
      (values as Float64Array).set(part.values as Float64Array, offset);
      offset += part.values.length;
    }
    const column: Column = {
      dtype: template.dtype,
      values,
      rowLength: template.rowLength,
      nullCount: parts.reduce((sum, part) => sum + part.nullCount, 0),
    };
    if (template.rowLength < 0) column.offsets = concatOffsets(parts, batches, numRows);
    columns[name] = column;
  }
  return { numRows, columns };
}

function concatOffsets(
  parts: readonly Column[],
  batches: readonly ColumnBatch[],
  numRows: number,
): Int32Array {
  const offsets = new Int32Array(numRows + 1);
  let row = 0;
  let base = 0;
  parts.forEach((part, index) => {
    const rows = batches[index]!.numRows;
    for (let r = 1; r <= rows; r++) offsets[row + r] = base + part.offsets![r]!;
    row += rows;
    base += part.values.length;
  });
  return offsets;
}

/** The column `name` of `batch`, checked to have the template's dtype and row length. */
export function matchingColumn(batch: ColumnBatch, name: string, template: Column): Column {
  const column = batch.columns[name];
  const where = batch.source ? ` in ${batch.source.file}` : "";
  const expected = describeColumnType(template.dtype, template.rowLength);
  if (column === undefined) {
    throw new DataError(
      `Column "${name}" (${expected}) is missing${where}; every file of a dataset needs the same columns.`,
      {
        details: { column: name, file: batch.source?.file },
      },
    );
  }
  if (column.dtype !== template.dtype || column.rowLength !== template.rowLength) {
    const found = describeColumnType(column.dtype, column.rowLength);
    throw new DataError(
      `Column "${name}"${where} holds ${found}, but earlier files hold ${expected}.`,
      {
        details: { column: name, file: batch.source?.file },
      },
    );
  }
  return column;
}
