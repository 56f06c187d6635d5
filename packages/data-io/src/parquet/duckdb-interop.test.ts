import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ColumnBatch, getColumn } from "../arrow/column-batch.js";
import { concatBatches } from "../arrow/concat-batches.js";
import { makeTestTable } from "../arrow/test-tables.js";
import { iterateParquetBatches, readParquetFile } from "./read-parquet.js";
import { writeParquetFile } from "./write-parquet.js";

// DuckDB is the independent reader and writer: files cross in both directions with equal values.
let dir: string;
let instance: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-duckdb-"));
  instance = await DuckDBInstance.create(":memory:");
});
afterAll(async () => {
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
  }
}

describe("DuckDB reads our Parquet", () => {
  for (const compression of ["snappy", "zstd", "uncompressed"] as const) {
    it(`with ${compression}`, async () => {
      const path = join(dir, `ours-${compression}.parquet`);
      await writeParquetFile(path, makeTestTable(300), { compression, rowGroupSize: 128 });
      const rows = await query(`SELECT * FROM read_parquet('${path}') ORDER BY id`);
      expect(rows.length).toBe(300);
      for (const r of [0, 1, 2, 150, 299]) {
        const row = rows[r]!;
        expect(row["x"]).toBe(r * 0.5);
        expect(row["y"]).toBe(r / 3);
        expect(row["id"]).toBe(BigInt(r) * 1_000_003n);
        expect(row["count"]).toBe(r % 7);
        expect(row["flag"]).toBe(r % 2 === 0);
        expect(row["embedding"]).toEqual([r, r + 0.1, r + 0.2].map(Math.fround));
        expect(row["tags"]).toEqual(Array.from({ length: r % 3 }, (_, k) => BigInt(r * 10 + k)));
      }
      const [sums] = await query(
        `SELECT sum(x)::DOUBLE AS sx, sum(id)::HUGEINT AS sid FROM read_parquet('${path}')`,
      );
      expect(sums!["sx"]).toBe((299 * 300) / 4);
      expect(BigInt(sums!["sid"] as bigint)).toBe(((299n * 300n) / 2n) * 1_000_003n);
    });
  }
});

describe("we read DuckDB's Parquet", () => {
  for (const compression of ["snappy", "zstd", "gzip", "uncompressed"]) {
    it(`with ${compression}`, async () => {
      const path = join(dir, `duck-${compression}.parquet`);
      await query(`COPY (
        SELECT i::BIGINT AS id, (i * 0.5)::FLOAT AS x, i::DOUBLE / 3 AS y, (i % 2 = 0) AS flag,
               CASE WHEN i % 5 = 0 THEN NULL ELSE i::INTEGER END AS maybe,
               [i::FLOAT, (i + 1)::FLOAT, (i + 2)::FLOAT] AS embedding,
               list_transform(range(i % 3), k -> (i * 10 + k)::BIGINT) AS tags
        FROM range(1000) t(i)
      ) TO '${path}' (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE 256)`);
      const batches: ColumnBatch[] = [];
      for await (const batch of iterateParquetBatches(path, {
        specs: { maybe: { defaultValue: -1 }, embedding: { dtype: "float32", rowLength: 3 } },
      })) {
        batches.push(batch);
      }
      const all = concatBatches(batches);
      expect(all.numRows).toBe(1000);
      const id = getColumn(all, "id", "int64").values;
      const x = getColumn(all, "x", "float32").values;
      const y = getColumn(all, "y", "float64").values;
      const flag = getColumn(all, "flag", "bool").values;
      const maybe = getColumn(all, "maybe", "int32");
      const embedding = getColumn(all, "embedding", "float32");
      const tags = getColumn(all, "tags", "int64");
      expect(maybe.nullCount).toBe(200);
      expect(embedding.rowLength).toBe(3);
      // DuckDB's row order is kept: row i holds id i.
      expect([...id]).toEqual(Array.from({ length: 1000 }, (_, r) => BigInt(r)));
      expect([...x]).toEqual(Array.from({ length: 1000 }, (_, r) => r * 0.5));
      expect([...y]).toEqual(Array.from({ length: 1000 }, (_, r) => r / 3));
      expect([...flag]).toEqual(Array.from({ length: 1000 }, (_, r) => (r % 2 === 0 ? 1 : 0)));
      expect([...maybe.values]).toEqual(
        Array.from({ length: 1000 }, (_, r) => (r % 5 === 0 ? -1 : r)),
      );
      expect([...embedding.values]).toEqual(
        Array.from({ length: 3000 }, (_, k) => Math.floor(k / 3) + (k % 3)),
      );
      const expectedTags = Array.from({ length: 1000 }, (_, r) =>
        Array.from({ length: r % 3 }, (_, k) => BigInt(r * 10 + k)),
      );
      expect([...tags.offsets!]).toEqual([
        0,
        ...expectedTags.map((_, r) => expectedTags.slice(0, r + 1).flat().length),
      ]);
      expect([...tags.values]).toEqual(expectedTags.flat());
      const table = await readParquetFile(path, { columns: ["id"] });
      expect(table.numRows).toBe(1000);
    });
  }

  it("rejects a fixed length that the lists do not have, naming the row", async () => {
    const path = join(dir, "duck-ragged.parquet");
    await query(`COPY (SELECT CASE WHEN i = 7 THEN [1.0::FLOAT] ELSE [1.0::FLOAT, 2.0::FLOAT] END AS e FROM range(10) t(i))
      TO '${path}' (FORMAT parquet)`);
    const read = async () => {
      for await (const _ of iterateParquetBatches(path, { specs: { e: { rowLength: 2 } } })) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow(
      /column "e" of .*duck-ragged\.parquet: row 7 has 1 values, expected 2/,
    );
  });
});
