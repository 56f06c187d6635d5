import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import * as arrow from "apache-arrow";
import * as parquetWasm from "parquet-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getColumn } from "../arrow/column-batch.js";
import { makeTestTable } from "../arrow/test-tables.js";
import { ParquetReader } from "./parquet-reader.js";
import {
  countParquetRows,
  iterateParquetBatches,
  readParquetFile,
  readParquetSchema,
} from "./read-parquet.js";
import { writeParquetFile } from "./write-parquet.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-parquet-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeParquetFile / readParquetFile", () => {
  for (const compression of ["snappy", "zstd", "uncompressed"] as const) {
    it(`round-trips every column layout with ${compression}`, async () => {
      const path = join(dir, `all-${compression}.parquet`);
      const table = makeTestTable(50);
      await writeParquetFile(path, table, { compression, rowGroupSize: 16 });
      const back = await readParquetFile(path);
      expect(back.numRows).toBe(50);
      expect(back.schema.fields.map((field) => field.name)).toEqual([
        "x",
        "y",
        "id",
        "count",
        "flag",
        "embedding",
        "tags",
      ]);
      expect(back.getChild("x")!.get(7)).toBe(3.5);
      expect(back.getChild("id")!.get(49)).toBe(49n * 1_000_003n);
      expect(back.getChild("flag")!.get(3)).toBe(false);
      expect([...back.getChild("embedding")!.get(4)]).toEqual([4, 4.1, 4.2].map(Math.fround));
      expect([...back.getChild("tags")!.get(5)]).toEqual([50n, 51n]);
      expect(await countParquetRows(path)).toBe(50);
      const reader = await ParquetReader.open(path);
      expect(reader.rowGroupRows).toEqual([16, 16, 16, 2]);
      await reader.close();
    });
  }

  it("projects columns and rejects a column the file lacks, naming it", async () => {
    const path = join(dir, "project.parquet");
    await writeParquetFile(path, makeTestTable(10));
    const back = await readParquetFile(path, { columns: ["tags", "x"] });
    expect(back.schema.fields.map((field) => field.name)).toEqual(["tags", "x"]);
    expect(back.getChild("x")!.get(2)).toBe(1);
    const nested = await readParquetFile(path, { columns: ["embedding", "count", "tags"] });
    expect(nested.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      "embedding:FixedSizeList[3]<Float32>",
      "count:Int32",
      "tags:List<Int64>",
    ]);
    expect([...nested.getChild("embedding")!.get(9)]).toEqual([9, 9.1, 9.2].map(Math.fround));
    expect([...nested.getChild("tags")!.get(8)]).toEqual([80n, 81n]);
    expect(nested.getChild("count")!.get(9)).toBe(2);
    const schema = await readParquetSchema(path);
    expect(schema.fields.length).toBe(7);
    await expect(readParquetFile(path, { columns: ["nope"] })).rejects.toThrow(
      /"nope".*project\.parquet/,
    );
  });

  it("dictionary-encodes top-level ints but never floats or lists", async () => {
    const path = join(dir, "dictionary.parquet");
    await writeParquetFile(path, makeTestTable(500));
    const file = await parquetWasm.ParquetFile.fromFile(new Blob([await readFile(path)]));
    const encodings: Record<string, unknown[]> = {};
    for (const column of file.metadata().rowGroup(0).columns()) {
      encodings[column.columnPath().join(".")] = column.encodings();
    }
    const dictionary = parquetWasm.Encoding.RLE_DICTIONARY;
    expect(encodings["id"]).toContain(dictionary);
    expect(encodings["x"]).not.toContain(dictionary);
    expect(encodings["y"]).not.toContain(dictionary);
    expect(encodings["embedding.list.item"]).not.toContain(dictionary);
  });

  it("writes and reads a table with no rows", async () => {
    const path = join(dir, "empty.parquet");
    await writeParquetFile(path, makeTestTable(0));
    const back = await readParquetFile(path);
    expect(back.numRows).toBe(0);
    expect(back.schema.fields.length).toBe(7);
    expect(await countParquetRows(path)).toBe(0);
    expect(await collect(iterateParquetBatches(path))).toEqual([]);
  });

  it("leaves no file and no temporary file when encoding fails", async () => {
    const sub = await mkdtemp(join(dir, "fail-"));
    const path = join(sub, "bad.parquet");
    await expect(writeParquetFile(path, makeTestTable(5), { rowGroupSize: 0 })).rejects.toThrow(
      /rowGroupSize/,
    );
    expect(await readdir(sub)).toEqual([]);
  });
});

describe("iterateParquetBatches", () => {
  it("streams typed columns by row group, sliced to batchRows", async () => {
    const path = join(dir, "stream.parquet");
    await writeParquetFile(path, makeTestTable(40), { rowGroupSize: 16 });
    const sizes: number[] = [];
    const ids: bigint[] = [];
    for await (const batch of iterateParquetBatches(path, { batchRows: 10 })) {
      sizes.push(batch.numRows);
      ids.push(...getColumn(batch, "id", "int64").values);
      const embedding = getColumn(batch, "embedding", "float32");
      expect(embedding.rowLength).toBe(3);
      expect(embedding.values.length).toBe(batch.numRows * 3);
      const first = batch.source!.firstRow;
      expect(embedding.values[3]).toBe(first + 1);
      const tags = getColumn(batch, "tags", "int64");
      expect(tags.rowLength).toBe(-1);
      expect(tags.offsets!.length).toBe(batch.numRows + 1);
      expect(tags.offsets![batch.numRows]).toBe(tags.values.length);
    }
    expect(sizes).toEqual([10, 6, 10, 6, 8]);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, r) => BigInt(r) * 1_000_003n));
  });

  it("imputes nulls to the declared default and counts them", async () => {
    const path = join(dir, "nulls.parquet");
    const table = new arrow.Table({
      a: arrow.vectorFromArray([1.5, null, 2.5, null], new arrow.Float32()),
      b: arrow.vectorFromArray([null, 7n, 8n, 9n], new arrow.Int64()),
    });
    await writeParquetFile(path, table);
    const [batch] = await collect(
      iterateParquetBatches(path, { specs: { a: { defaultValue: -1 } } }),
    );
    const a = getColumn(batch!, "a", "float32");
    expect([...a.values]).toEqual([1.5, -1, 2.5, -1]);
    expect(a.nullCount).toBe(2);
    const b = getColumn(batch!, "b", "int64");
    expect([...b.values]).toEqual([0n, 7n, 8n, 9n]);
    expect(b.nullCount).toBe(1);
  });

  it("rejects a wrong type or list length with the file and column named", async () => {
    const path = join(dir, "specs.parquet");
    await writeParquetFile(path, makeTestTable(4));
    await expect(
      collect(iterateParquetBatches(path, { specs: { x: { dtype: "float64" } } })),
    ).rejects.toThrow(/column "x" of .*specs\.parquet: holds float32, expected float64/);
    await expect(
      collect(iterateParquetBatches(path, { specs: { embedding: { rowLength: 200 } } })),
    ).rejects.toThrow(/column "embedding".*float32\[3\], expected float32\[200\]/);
  });
});

describe("bad input", () => {
  it("names the missing file", async () => {
    const error = await readParquetFile(join(dir, "missing.parquet")).catch((caught) => caught);
    expect(TmlError.isInstance(error, "NOT_FOUND")).toBe(true);
    expect(error.message).toMatch(/missing\.parquet/);
  });

  it("rejects wrong magic, truncation and a directory with DataError", async () => {
    const good = join(dir, "good.parquet");
    await writeParquetFile(good, makeTestTable(20));
    const bytes = new Uint8Array(await readFile(good));
    const cases: [string, Uint8Array][] = [
      ["text.parquet", new TextEncoder().encode("id,x\n1,2\n3,4\n5,6\n")],
      ["truncated.parquet", bytes.subarray(0, bytes.length - 100)],
      ["tiny.parquet", bytes.subarray(0, 6)],
    ];
    for (const [name, content] of cases) {
      const path = join(dir, name);
      await writeFile(path, content);
      const error = await readParquetFile(path).catch((caught) => caught);
      expect(TmlError.isInstance(error, "DATA"), `${name}: ${error}`).toBe(true);
      expect(error.message).toContain(name);
    }
    const error = await readParquetFile(dir).catch((caught) => caught);
    expect(TmlError.isInstance(error, "DATA")).toBe(true);
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
