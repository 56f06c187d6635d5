import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getColumn } from "../arrow/column-batch.js";
import { makeTestTable } from "../arrow/test-tables.js";
import { writeParquetFile } from "../parquet/write-parquet.js";
import { Dataset } from "./dataset.js";

// Three Parquet files of 20 rows (ids 0..59); the middle one truncated to half its bytes.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-skipped-"));
  for (let index = 0; index < 3; index++) {
    const path = join(dir, `part-${index}.parquet`);
    await writeParquetFile(path, makeTestTable(20, index * 20), { rowGroupSize: 10 });
  }
  const middle = join(dir, "part-1.parquet");
  const bytes = await readFile(middle);
  await writeFile(middle, bytes.subarray(0, Math.floor(bytes.length / 2)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readIds(onSkippedFile?: (file: string, error: Error) => void): Promise<number[]> {
  const dataset = await Dataset.open({
    files: join(dir, "*.parquet"),
    batchSize: 10,
    shuffleFiles: false,
    ...(onSkippedFile ? { onSkippedFile } : {}),
  });
  const ids: number[] = [];
  for await (const batch of dataset.batches()) {
    for (const id of getColumn(batch, "id", "int64").values) ids.push(Number(id / 1_000_003n));
  }
  return ids;
}

describe("Dataset onSkippedFile", () => {
  it("without it, a truncated file ends the stream with a DataError", async () => {
    await expect(readIds()).rejects.toSatisfy((error) => TmlError.isInstance(error, "DATA"));
  });

  it("with it, the truncated file is reported and skipped; the other files' rows all arrive", async () => {
    const skipped: string[] = [];
    const ids = await readIds((file) => skipped.push(file));
    expect(skipped).toEqual([join(dir, "part-1.parquet")]);
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 40 + i),
    ];
    expect(ids).toEqual(expected);
  });
});
