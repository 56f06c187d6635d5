import { describe, expect, it } from "vitest";
import { columnsToTable } from "./from-columns.js";
import { makeTestTable } from "./test-tables.js";
import { recordBatchToColumns } from "./to-columns.js";

describe("columnsToTable", () => {
  it("is the inverse of recordBatchToColumns for every layout", () => {
    const original = makeTestTable(9);
    const columns = recordBatchToColumns(original.batches[0]!);
    const table = columnsToTable(columns);
    expect(table.numRows).toBe(9);
    expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      "x:Float32",
      "y:Float64",
      "id:Int64",
      "count:Int32",
      "flag:Bool",
      "embedding:FixedSizeList[3]<Float32>",
      "tags:List<Int64>",
    ]);
    for (const name of ["x", "y", "id", "count", "flag"]) {
      expect(table.getChild(name)!.toArray()).toEqual(original.getChild(name)!.toArray());
    }
    expect([...table.getChild("embedding")!.get(8)]).toEqual([
      ...original.getChild("embedding")!.get(8),
    ]);
    expect([...table.getChild("tags")!.get(8)]).toEqual([80n, 81n]);
    expect(recordBatchToColumns(table.batches[0]!)).toEqual(columns);
  });
});
