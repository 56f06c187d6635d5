import * as arrow from "apache-arrow";
import type { Column, ColumnBatch, ColumnDType } from "./column-batch.js";

function elementType(dtype: ColumnDType): arrow.DataType {
  switch (dtype) {
    case "float32":
      return new arrow.Float32();
    case "float64":
      return new arrow.Float64();
    case "int32":
      return new arrow.Int32();
    case "int64":
      return new arrow.Int64();
    default:
      return new arrow.Bool();
  }
}

function leafData(column: Column, length: number): arrow.Data {
  const type = elementType(column.dtype);
  if (column.dtype !== "bool")
    return arrow.makeData({ type, length, data: column.values } as never);
  const bits = new Uint8Array(Math.ceil(length / 8));
  for (let i = 0; i < length; i++) if (column.values[i]) bits[i >> 3]! |= 1 << (i & 7);
  return arrow.makeData({ type: new arrow.Bool(), length, data: bits });
}

/**
 * Builds an Arrow table from typed-array columns without copying numeric values (the inverse of
 * `recordBatchToColumns`): scalars become primitive columns, fixed-length rows `FixedSizeList`s and
 * variable rows `List`s, all non-nullable.
 */
export function columnsToTable(batch: ColumnBatch): arrow.Table {
  const vectors: Record<string, arrow.Vector> = {};
  for (const [name, column] of Object.entries(batch.columns)) {
    const leaf = leafData(column, column.values.length);
    const item = new arrow.Field("item", leaf.type, false);
    let data: arrow.Data;
    if (column.rowLength === 1) data = leaf;
    else if (column.rowLength > 1) {
      data = arrow.makeData({
        type: new arrow.FixedSizeList(column.rowLength, item),
        length: batch.numRows,
        child: leaf,
      });
    } else {
      data = arrow.makeData({
        type: new arrow.List(item),
        length: batch.numRows,
        valueOffsets: column.offsets!,
        child: leaf,
      });
    }
    vectors[name] = arrow.makeVector(data);
  }
  return new arrow.Table(vectors);
}
