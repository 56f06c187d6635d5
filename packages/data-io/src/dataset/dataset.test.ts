import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getColumn } from "../arrow/column-batch.js";
import { makeTestTable } from "../arrow/test-tables.js";
import { ParquetReader } from "../parquet/parquet-reader.js";
import { writeParquetFile } from "../parquet/write-parquet.js";
import { encodeExample } from "../tfrecord/example-proto.js";
import { writeTfRecordFile } from "../tfrecord/tfrecord-writer.js";
import { Dataset, type DatasetOptions } from "./dataset.js";
import { prefetch } from "./prefetch.js";
import { globToRegExp, resolveDatasetFiles } from "./resolve-files.js";

let dir: string;
const ROWS = [50, 30, 45]; // rows per file: 125 in all, row ids 0..124
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-dataset-"));
  let first = 0;
  for (const [index, rows] of ROWS.entries()) {
    await writeParquetFile(join(dir, `part-${index}.parquet`), makeTestTable(rows, first), {
      rowGroupSize: 16,
    });
    first += rows;
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Row ids: makeTestTable's id column is row * 1_000_003.
async function ids(options: Partial<DatasetOptions>, skipBatches?: number): Promise<number[][]> {
  const dataset = await Dataset.open({ files: join(dir, "*.parquet"), batchSize: 10, ...options });
  const out: number[][] = [];
  for await (const batch of dataset.batches({ skipBatches })) {
    out.push([...getColumn(batch, "id", "int64").values].map((id) => Number(id / 1_000_003n)));
    const x = getColumn(batch, "x", "float32").values;
    const embedding = getColumn(batch, "embedding", "float32").values;
    const tags = getColumn(batch, "tags", "int64");
    out.at(-1)!.forEach((row, i) => {
      expect(x[i]).toBe(row * 0.5);
      expect(embedding[i * 3 + 2]).toBeCloseTo(row + 0.2, 4);
      expect(tags.offsets![i + 1]! - tags.offsets![i]!).toBe(row % 3);
    });
  }
  return out;
}

describe("resolveDatasetFiles", () => {
  it("expands globs, directories and lists, sorted; empty globs are NotFoundError", async () => {
    const nested = join(dir, "nested", "deeper");
    await mkdir(nested, { recursive: true });
    await writeFile(join(nested, "a.tfrecord"), "");
    await writeFile(join(dir, "nested", ".hidden.tfrecord"), "");
    const parts = await resolveDatasetFiles(join(dir, "part-{0,2}.parquet"));
    expect(parts.map((path) => path.slice(dir.length + 1))).toEqual([
      "part-0.parquet",
      "part-2.parquet",
    ]);
    expect(await resolveDatasetFiles(join(dir, "**/*.tfrecord"))).toEqual([
      join(nested, "a.tfrecord"),
    ]);
    expect(await resolveDatasetFiles(join(dir, "nested"))).toEqual([join(nested, "a.tfrecord")]);
    expect(
      (await resolveDatasetFiles([join(dir, "part-?.parquet"), join(dir, "part-1.parquet")]))
        .length,
    ).toBe(3);
    const error = await resolveDatasetFiles(join(dir, "*.csv")).catch((caught) => caught);
    expect(TmlError.isInstance(error, "NOT_FOUND")).toBe(true);
    expect(error.message).toContain("*.csv");
    expect(globToRegExp("a/**/b*.gz").test("a/x/y/b1.gz")).toBe(true);
    expect(globToRegExp("a/*.gz").test("a/x/b.gz")).toBe(false);
  });
});

describe("Dataset", () => {
  it("reads files in order with drop-remainder batches, per epoch", async () => {
    const batches = await ids({ shuffleFiles: false, epochs: 2 });
    expect(batches.length).toBe(24); // 125 rows → 12 full batches per epoch
    expect(batches[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[4]).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49]);
    expect(batches[11]![9]).toBe(119);
    expect(batches[12]).toEqual(batches[0]);
    const kept = await ids({ shuffleFiles: false, dropRemainder: false });
    expect(kept.at(-1)).toEqual([120, 121, 122, 123, 124]);
  });

  it("shuffles deterministically for a seed and covers every row once per epoch", async () => {
    const options = { seed: 7, shuffleBuffer: 32, dropRemainder: false, epochs: 2 };
    const first = await ids(options);
    expect(await ids(options)).toEqual(first);
    expect(await ids({ ...options, seed: 8 })).not.toEqual(first);
    const epoch0 = first.slice(0, 13).flat();
    const epoch1 = first.slice(13).flat();
    expect([...epoch0].sort((a, b) => a - b)).toEqual(Array.from({ length: 125 }, (_, i) => i));
    expect([...epoch1].sort((a, b) => a - b)).toEqual(Array.from({ length: 125 }, (_, i) => i));
    expect(epoch1).not.toEqual(epoch0);
    // The buffer mixes rows: far fewer consecutive pairs than in file order.
    const consecutive = epoch0.slice(1).filter((id, i) => id === epoch0[i]! + 1).length;
    expect(consecutive).toBeLessThan(20);
  });

  it("applies offset and limit to every epoch's row stream", async () => {
    const batches = await ids({ shuffleFiles: false, offset: 55, limit: 30, epochs: 2 });
    expect(batches.flat()).toEqual([
      ...Array.from({ length: 30 }, (_, i) => 55 + i),
      ...Array.from({ length: 30 }, (_, i) => 55 + i),
    ]);
  });

  for (const [name, options] of [
    ["in order", { shuffleFiles: false, epochs: 3 }],
    ["files shuffled", { seed: 3, epochs: 3 }],
    ["shuffle buffer", { seed: 5, shuffleBuffer: 40, epochs: 3 }],
    ["offset and limit", { seed: 2, offset: 7, limit: 100, epochs: 2, dropRemainder: false }],
  ] as const) {
    it(`skips ahead to the same batches it would have read (${name})`, async () => {
      const all = await ids(options);
      for (const skip of [0, 1, 5, 12, 13, 25]) {
        expect(await ids(options, skip)).toEqual(all.slice(skip));
      }
    });
  }

  it("numbers batches and stops an empty infinite stream", async () => {
    const only = await Dataset.open({
      files: join(dir, "*.parquet"),
      batchSize: 200,
      epochs: Number.POSITIVE_INFINITY,
    });
    const seen: number[] = [];
    for await (const batch of only) seen.push(batch.index);
    expect(seen).toEqual([]);
    const numbered = await Dataset.open({
      files: join(dir, "*.parquet"),
      batchSize: 50,
      epochs: 2,
      skipBatches: 1,
    });
    const positions: [number, number][] = [];
    for await (const batch of numbered) positions.push([batch.epoch, batch.index]);
    expect(positions).toEqual([
      [0, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it("reads TFRecord files through a segdense schema", async () => {
    const path = join(dir, "records.tfrecord.gz");
    const records = Array.from({ length: 25 }, (_, row) =>
      encodeExample({
        v: { kind: "float_list", values: [row, -row] },
        y: { kind: "int64_list", values: [BigInt(row)] },
      }),
    );
    await writeTfRecordFile(path, records, { compression: "gzip" });
    const schema = {
      schema: [
        { feature_name: "v", dtype: "float_list" as const, length: 2 },
        { feature_name: "y", dtype: "int64_list" as const, length: 1 },
      ],
    };
    const dataset = await Dataset.open({
      files: path,
      batchSize: 8,
      tfrecord: { schema },
      chunkRows: 6,
      skipBatches: 1,
    });
    const labels: bigint[] = [];
    for await (const batch of dataset) {
      labels.push(...getColumn(batch, "y", "int64").values);
      expect(getColumn(batch, "v", "float32").rowLength).toBe(2);
    }
    expect(labels).toEqual(Array.from({ length: 16 }, (_, i) => BigInt(i + 8)));
  });

  it("rejects files whose columns differ, bad options and unknown columns", async () => {
    const odd = join(dir, "odd");
    await mkdir(odd);
    await writeParquetFile(join(odd, "a.parquet"), makeTestTable(12));
    await writeParquetFile(
      join(odd, "b.parquet"),
      new arrow.Table({
        id: arrow.makeVector(new Float64Array(12)),
        x: arrow.makeVector(new Float32Array(12)),
      }),
    );
    const read = async (options: Partial<DatasetOptions>) => {
      const dataset = await Dataset.open({
        files: join(odd, "*.parquet"),
        batchSize: 5,
        shuffleFiles: false,
        ...options,
      });
      for await (const _ of dataset) {
        // drain
      }
    };
    await expect(read({ columns: ["id"] })).rejects.toThrow(
      /"id" in .*b\.parquet holds float64, but earlier files hold int64/,
    );
    // Data that lacks a column the reader needs is a data error (exit 5), not a config error.
    await expect(read({ columns: ["zz"] })).rejects.toSatisfy(
      (error) => TmlError.isInstance(error, "DATA") && /zz are not in/.test(String(error)),
    );
    await expect(read({ batchSize: 0 })).rejects.toThrow(/batchSize must be an integer ≥ 1/);
    await expect(read({ files: join(odd, "*.none") })).rejects.toThrow(/No files match/);
    await writeTfRecordFile(join(odd, "r.tfrecord"), []);
    await expect(read({ files: join(odd, "r.tfrecord") })).rejects.toThrow(/give tfrecord\.schema/);
  });
});

describe("Dataset null counts", () => {
  it("sum to the file's nulls, shuffled or not, with imputed defaults", async () => {
    const path = join(dir, "nulls", "n.parquet");
    await mkdir(join(dir, "nulls"), { recursive: true });
    const values = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? null : i));
    await writeParquetFile(
      path,
      new arrow.Table({ v: arrow.vectorFromArray(values, new arrow.Float32()) }),
      {
        rowGroupSize: 16,
      },
    );
    for (const shuffleBuffer of [0, 10]) {
      const dataset = await Dataset.open({
        files: path,
        batchSize: 7,
        dropRemainder: false,
        shuffleBuffer,
        specs: { v: { defaultValue: -1 } },
      });
      let nulls = 0;
      const seen: number[] = [];
      for await (const batch of dataset) {
        const column = getColumn(batch, "v", "float32");
        nulls += column.nullCount;
        seen.push(...column.values);
      }
      expect(nulls).toBe(10);
      expect(seen.sort((a, b) => a - b)).toEqual(
        values.map((value) => value ?? -1).sort((a, b) => a - b),
      );
    }
  });
});

describe("Dataset memory", () => {
  it("reads at most one row group ahead of the batch being consumed", async () => {
    const path = join(dir, "groups", "many.parquet");
    await mkdir(join(dir, "groups"), { recursive: true });
    await writeParquetFile(path, makeTestTable(160), { rowGroupSize: 16 });
    const reads = vi.spyOn(ParquetReader.prototype, "readRowGroup");
    try {
      const dataset = await Dataset.open({ files: path, batchSize: 16, shuffleFiles: false });
      let seen = 0;
      let readAhead = 0;
      for await (const _ of dataset) {
        seen++;
        await new Promise((resolve) => setTimeout(resolve, 2)); // the consumer works
        expect(reads.mock.calls.length).toBeLessThanOrEqual(seen + 1);
        if (reads.mock.calls.length === seen + 1) readAhead++;
      }
      expect(readAhead).toBe(9); // the next row group was being read during every batch but the last
      expect(seen).toBe(10);
      expect(reads.mock.calls.length).toBe(10);
    } finally {
      reads.mockRestore();
    }
  });
});

describe("prefetch", () => {
  it("reads exactly one item ahead of the consumer", async () => {
    let produced = 0;
    async function* source(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) {
        produced++;
        yield i;
      }
    }
    const seen: [number, number][] = [];
    for await (const item of prefetch(source())) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push([item, produced]);
    }
    expect(seen).toEqual([
      [0, 2],
      [1, 3],
      [2, 4],
      [3, 5],
      [4, 5],
    ]);
  });
});

describe("Dataset finite columns", () => {
  it("names the file, row and column of a NaN or infinity in a checked float column", async () => {
    const bad = join(dir, "non-finite");
    await mkdir(bad);
    const table = makeTestTable(40);
    const embedding = getColumnValues(table, "embedding");
    embedding[33 * 3 + 1] = Number.NaN;
    await writeParquetFile(join(bad, "a.parquet"), makeTestTable(20));
    await writeParquetFile(join(bad, "b.parquet"), withEmbedding(table, embedding), {
      rowGroupSize: 16,
    });
    const drain = async (finiteColumns: readonly string[]) => {
      const dataset = await Dataset.open({
        files: join(bad, "*.parquet"),
        batchSize: 8,
        shuffleFiles: false,
        shuffleBuffer: 32,
        finiteColumns,
      });
      for await (const _ of dataset) {
        // drain
      }
    };
    await expect(drain([])).resolves.toBeUndefined();
    await expect(drain(["x", "embedding"])).rejects.toSatisfy(
      (error) =>
        TmlError.isInstance(error, "DATA") &&
        String(error).includes(`${join(bad, "b.parquet")} row 33: column "embedding" holds NaN`),
    );
  });
});

function getColumnValues(table: arrow.Table, name: string): Float32Array {
  return Float32Array.from(table.getChild(name)!.data[0]!.children[0]!.values as Float32Array);
}

function withEmbedding(table: arrow.Table, values: Float32Array): arrow.Table {
  const type = new arrow.FixedSizeList(3, new arrow.Field("item", new arrow.Float32(), false));
  const data = arrow.makeData({
    type,
    length: table.numRows,
    child: arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values }),
  });
  const columns: Record<string, arrow.Vector> = {};
  for (const field of table.schema.fields) columns[field.name] = table.getChild(field.name)!;
  columns["embedding"] = arrow.makeVector(data);
  return new arrow.Table(columns);
}
