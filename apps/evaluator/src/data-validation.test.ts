import { copyFileSync, cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, trainTinyRun, writeTinyRankerData } from "@tml/cli-kit/testing";
import { TmlError } from "@tml/core";
import { readParquetFile, resolveDatasetFiles, writeParquetFile } from "@tml/data-io";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const EMBEDDING = "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings";

let data: string;
let run: string;
let scratch: string;

/** A copy of `file` with row `row` of the float list column `column` set to NaN. */
async function withNaN(file: string, column: string, row: number, out: string): Promise<string> {
  const table = await readParquetFile(file);
  const list = table.getChild(column);
  if (!list) throw new Error(`${file} has no column ${column}`);
  const width = (list.type as unknown as { listSize: number }).listSize;
  (list.data[0]!.children[0]!.values as Float32Array)[row * width + 1] = Number.NaN;
  await writeParquetFile(out, table);
  return out;
}

/** A copy of `file` without `column`. */
async function without(file: string, column: string, out: string): Promise<string> {
  const table = await readParquetFile(file);
  const names = table.schema.fields.map((field) => field.name).filter((name) => name !== column);
  await writeParquetFile(out, table.select(names));
  return out;
}

describe("Heavy Ranker evaluation data is checked as read", () => {
  beforeAll(async () => {
    data = await writeTinyRankerData();
    scratch = mkdtempSync(join(tmpdir(), "tml-eval-data-"));
    run = await trainTinyRun(data, join(scratch, "run"));
  });

  it("NaN in an embedding column: evaluator heavy-ranker and rank exit 5 naming file, row and column", async () => {
    const [validation] = await resolveDatasetFiles(join(data, "validation", "*.parquet"));
    const bad = await withNaN(validation!, EMBEDDING, 17, join(scratch, "nan.parquet"));
    for (const argv of [
      ["heavy-ranker", "--checkpoint", run, "--data", bad, "--device", "cpu"],
      ["rank", "--checkpoint", run, "--candidates", bad, "--device", "cpu"],
    ]) {
      const cli = capture();
      expect(await main(argv, cli.io), cli.err()).toBe(5);
      expect(cli.err()).toContain(`${bad} row 17: column "${EMBEDDING}" holds NaN`);
    }
  });

  it("a file missing a needed column is a data error (exit 5), not a config error", async () => {
    const [validation] = await resolveDatasetFiles(join(data, "validation", "*.parquet"));
    const bad = await without(validation!, EMBEDDING, join(scratch, "no-embedding.parquet"));
    const cli = capture();
    const argv = ["heavy-ranker", "--checkpoint", run, "--data", bad, "--device", "cpu"];
    expect(await main(argv, cli.io), cli.err()).toBe(5);
    expect(cli.err()).toContain(EMBEDDING);
  });

  it("NaN in the training data is a DataError naming the file, not a non-finite loss", async () => {
    const nanData = join(scratch, "nan-data");
    mkdirSync(join(nanData, "train"), { recursive: true });
    const [train] = await resolveDatasetFiles(join(data, "train", "*.parquet"));
    await withNaN(train!, EMBEDDING, 3, join(nanData, "train", "part-0.parquet"));
    copyFileSync(join(data, "train", "segdense.json"), join(nanData, "train", "segdense.json"));
    cpSync(join(data, "validation"), join(nanData, "validation"), { recursive: true });
    const error = await trainTinyRun(nanData, join(scratch, "nan-run")).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TmlError.isInstance(error, "DATA"), String(error)).toBe(true);
    expect(String(error)).toContain(`row 3: column "${EMBEDDING}" holds NaN`);
  });
});
