import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError, NotFoundError, roundToHalfPrecision } from "@tml/core";
import * as arrow from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { writeParquetFile } from "../parquet/write-parquet.js";
import { writeSafetensors } from "../safetensors/safetensors.js";
import { readPretrainedTable } from "./pretrained-table.js";

const dir = mkdtempSync(join(tmpdir(), "tml-pretrained-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 3 x 2 table: row r = [r + 0.1, -r - 0.3].
const TABLE = Float32Array.from([0.1, -0.3, 1.1, -1.3, 2.1, -2.3]);

/** An embedding export file in TwHIN's layout with the given (type, id, vector) rows. */
async function writeExport(path: string, rows: [string, number, number[]][], dim: number) {
  const values = Float32Array.from(rows.flatMap(([, , vector]) => vector));
  const listType = new arrow.FixedSizeList(
    dim,
    new arrow.Field("item", new arrow.Float32(), false),
  );
  const child = arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values });
  const vectors = arrow.makeData({ type: listType, length: rows.length, nullCount: 0, child });
  const table = new arrow.Table({
    entity_type: arrow.vectorFromArray(
      rows.map(([type]) => type),
      new arrow.Utf8(),
    ),
    id: arrow.makeVector(Int32Array.from(rows, ([, id]) => id)),
    embedding: arrow.makeVector(vectors),
  });
  await writeParquetFile(path, table, { dictionary: true });
}

describe("readPretrainedTable from safetensors", () => {
  it("reads F32 exactly and F16 / BF16 as their rounded values", async () => {
    const path = join(dir, "tables.safetensors");
    writeFileSync(
      path,
      writeSafetensors([
        ["user", { dtype: "F32", shape: [3, 2], values: TABLE }],
        ["half", { dtype: "F16", shape: [3, 2], values: TABLE }],
        ["brain", { dtype: "BF16", shape: [3, 2], values: TABLE }],
        ["ids", { dtype: "I64", shape: [3, 2], values: new BigInt64Array(6) }],
        ["flat", { dtype: "F32", shape: [6], values: TABLE }],
      ]),
    );
    const user = await readPretrainedTable(path, "user");
    expect(user.rows).toBe(3);
    expect(user.dim).toBe(2);
    expect([...user.values]).toEqual([...TABLE]);
    const half = await readPretrainedTable(path, "half");
    expect([...half.values]).toEqual([...TABLE].map((v) => roundToHalfPrecision(v, "fp16")));
    const brain = await readPretrainedTable(path, "brain");
    expect([...brain.values]).toEqual([...TABLE].map((v) => roundToHalfPrecision(v, "bf16")));
    expect(brain.values[0]).not.toBe(TABLE[0]);

    await expect(readPretrainedTable(path, "item")).rejects.toThrow(DataError);
    await expect(readPretrainedTable(path, "item")).rejects.toThrow(
      /tables\.safetensors holds no tensor "item" \(it holds: user, half, brain, ids, flat\)/,
    );
    await expect(readPretrainedTable(path, "ids")).rejects.toThrow(/"ids" has dtype I64/);
    await expect(readPretrainedTable(path, "flat")).rejects.toThrow(/"flat" has shape \[6\]/);
  });

  it("rejects a malformed or missing file with the file named", async () => {
    const truncated = join(dir, "truncated.safetensors");
    const bytes = writeSafetensors([["user", { dtype: "F32", shape: [3, 2], values: TABLE }]]);
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 4));
    await expect(readPretrainedTable(truncated, "user")).rejects.toThrow(
      /truncated\.safetensors: tensor "user" .* do not fit/,
    );
    const garbage = join(dir, "garbage.safetensors");
    writeFileSync(garbage, Uint8Array.from([4, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7b, 0x7b]));
    await expect(readPretrainedTable(garbage, "user")).rejects.toThrow(/garbage.* not JSON/);
    writeFileSync(garbage, Uint8Array.from([1, 2, 3]));
    await expect(readPretrainedTable(garbage, "user")).rejects.toThrow(DataError);
    await expect(readPretrainedTable(join(dir, "nope.safetensors"), "user")).rejects.toThrow(
      NotFoundError,
    );
    const other = join(dir, "table.npy");
    writeFileSync(other, "x");
    await expect(readPretrainedTable(other, "user")).rejects.toThrow(/table\.npy: a pretrained/);
  });
});

describe("readPretrainedTable from an embedding export", () => {
  it("reads a folder of parts, placing rows by id, and one file by entity type", async () => {
    const folder = join(dir, "export");
    mkdirSync(folder);
    const row = (id: number): number[] => [TABLE[id * 2]!, TABLE[id * 2 + 1]!];
    await writeExport(
      join(folder, "user-00000.parquet"),
      [
        ["user", 2, row(2)],
        ["user", 0, row(0)],
      ],
      2,
    );
    await writeExport(join(folder, "user-00001.parquet"), [["user", 1, row(1)]], 2);
    await writeExport(join(folder, "tweet-00000.parquet"), [["tweet", 0, [9, 9, 9]]], 3);
    const user = await readPretrainedTable(folder, "user");
    expect(user.rows).toBe(3);
    expect(user.dim).toBe(2);
    expect([...user.values]).toEqual([...TABLE]);
    const tweet = await readPretrainedTable(join(folder, "tweet-00000.parquet"), "tweet");
    expect([tweet.rows, tweet.dim, ...tweet.values]).toEqual([1, 3, 9, 9, 9]);

    await expect(readPretrainedTable(folder, "item")).rejects.toThrow(
      /export holds no export parts item-<part>\.parquet for table "item"/,
    );
    await expect(readPretrainedTable(join(folder, "tweet-00000.parquet"), "user")).rejects.toThrow(
      /holds no rows of table "user"/,
    );
  });

  it("rejects ids that do not cover 0..rows-1 once, and files that are not exports", async () => {
    const gap = join(dir, "gap.parquet");
    await writeExport(
      gap,
      [
        ["user", 0, [1]],
        ["user", 2, [2]],
      ],
      1,
    );
    await expect(readPretrainedTable(gap, "user")).rejects.toThrow(
      /table "user" has 2 rows but id 2 is out of range/,
    );
    const repeated = join(dir, "repeated.parquet");
    await writeExport(
      repeated,
      [
        ["user", 0, [1]],
        ["user", 0, [2]],
      ],
      1,
    );
    await expect(readPretrainedTable(repeated, "user")).rejects.toThrow(/id 0 is repeated/);
    const notExport = join(dir, "plain.parquet");
    await writeParquetFile(
      notExport,
      new arrow.Table({ x: arrow.makeVector(Float32Array.from([1])) }),
    );
    await expect(readPretrainedTable(notExport, "user")).rejects.toThrow(
      /plain\.parquet is not an embedding export.*table "user"/,
    );
  });
});
