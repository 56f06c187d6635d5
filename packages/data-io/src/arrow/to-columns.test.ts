import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { getColumn } from "./column-batch.js";
import { makeTestTable } from "./test-tables.js";
import { recordBatchToColumns } from "./to-columns.js";

function batchOf(columns: Record<string, arrow.Vector>): arrow.RecordBatch {
  return new arrow.Table(columns).batches[0]!;
}

describe("recordBatchToColumns", () => {
  it("reads a sliced batch at its offset (bools and lists included)", () => {
    const table = makeTestTable(20).slice(5, 12);
    const batch = recordBatchToColumns(table.batches[0]!);
    expect(batch.numRows).toBe(7);
    expect([...getColumn(batch, "x", "float32").values]).toEqual([2.5, 3, 3.5, 4, 4.5, 5, 5.5]);
    expect([...getColumn(batch, "flag", "bool").values]).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(getColumn(batch, "embedding", "float32").values[0]).toBe(5);
    const tags = getColumn(batch, "tags", "int64");
    expect([...tags.offsets!]).toEqual([0, 2, 2, 3, 5, 5, 6, 8]);
    expect(tags.values[0]).toBe(50n);
  });

  it("widens small and unsigned ints and imputes nulls inside lists", () => {
    const batch = recordBatchToColumns(
      batchOf({
        u8: arrow.vectorFromArray([1, 255, null], new arrow.Uint8()),
        i16: arrow.vectorFromArray([-3, 4, 5], new arrow.Int16()),
        u32: arrow.vectorFromArray([4294967295, 0, 1], new arrow.Uint32()),
        list: arrow.vectorFromArray(
          [[1, null], null, [2]],
          new arrow.List(new arrow.Field("item", new arrow.Float64(), true)),
        ),
      }),
      { specs: { u8: { defaultValue: 9 }, list: { defaultValue: -1 } } },
    );
    expect([...getColumn(batch, "u8", "int32").values]).toEqual([1, 255, 9]);
    expect([...getColumn(batch, "i16", "int32").values]).toEqual([-3, 4, 5]);
    expect([...getColumn(batch, "u32", "int64").values]).toEqual([4294967295n, 0n, 1n]);
    const list = getColumn(batch, "list", "float64");
    expect([...list.values]).toEqual([1, -1, 2]);
    expect([...list.offsets!]).toEqual([0, 2, 2, 3]);
    expect(list.nullCount).toBe(2);
  });

  it("rejects unsupported types naming the column", () => {
    const batch = batchOf({ name: arrow.vectorFromArray(["a", "b"], new arrow.Utf8()) });
    expect(() =>
      recordBatchToColumns(batch, { source: { file: "f.parquet", firstRow: 0 } }),
    ).toThrow(/column "name" of f\.parquet: Arrow type Utf8 is not supported/);
  });
});
