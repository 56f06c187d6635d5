import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, writeFileAtomic } from "@tml/core";
import * as arrow from "apache-arrow";
import { lowWords } from "../generators/ranker-chunk.js";
import { writeParquetFile } from "../parquet/index.js";
import { type CtrField, parseCsvLine, parseLibfmLine } from "./ctr-lines.js";
import { type RankerDatasetDescriptor, writeRankerDescriptor } from "./ranker-descriptor.js";
import { lineError, readTextLines } from "./text-lines.js";

/** Options of `convertCtrFiles`. */
export interface CtrConvertOptions {
  fields: readonly CtrField[];
  /** `csv`: header + `label,f1,…` (BARS); `libfm`: `label idx:val …` (NFM / libsvm). */
  format: "csv" | "libfm";
  /** Recorded in ranker.json. */
  source: Record<string, unknown>;
}

/**
 * Converts one-hot CTR files (one categorical value per field per line) into ranker Parquet:
 * `<split>.parquet` with int64 `label` and one int64 id column per field. Each field's vocabulary
 * is built from the `train` split (ids 1..V in order of the global feature index; 0 = unseen in
 * train, as FuxiCTR/BARS map out-of-vocabulary values) and saved in `vocab.json` (field → global
 * indices, position i holding id i + 1). Writes `ranker.json`. Errors name file:line.
 */
export async function convertCtrFiles(
  files: Record<string, string>,
  outDir: string,
  options: CtrConvertOptions,
): Promise<RankerDatasetDescriptor> {
  const { fields } = options;
  if (!files.train)
    throw new ConfigError(
      "convertCtrFiles: a `train` split is required (its values build the vocabularies)",
    );
  const parsed = new Map<string, number[][]>();
  for (const [split, path] of Object.entries(files))
    parsed.set(split, await readCtrFile(path, options));
  const train = parsed.get("train") as number[][];
  const vocab = fields.map((_, f) => [...new Set(train[f + 1])].sort((a, b) => a - b));
  const lookup = vocab.map((indices) => new Map(indices.map((index, i) => [index, i + 1])));
  mkdirSync(outDir, { recursive: true });
  const splits: RankerDatasetDescriptor["splits"] = {};
  for (const [split, columns] of parsed) {
    const rows = (columns[0] as number[]).length;
    const table: Record<string, arrow.Vector> = { label: int64Vector(columns[0] as number[]) };
    fields.forEach((field, f) => {
      const map = lookup[f] as Map<number, number>;
      table[field.name] = int64Vector(
        (columns[f + 1] as number[]).map((index) => map.get(index) ?? 0),
      );
    });
    const path = `${split}.parquet`;
    await writeParquetFile(join(outDir, path), new arrow.Table(table), { compression: "zstd" });
    const positives = (columns[0] as number[]).reduce((sum, label) => sum + label, 0);
    splits[split] = { rows, files: [{ path, rows }], positives: { label: positives } };
  }
  writeFileAtomic(
    join(outDir, "vocab.json"),
    `${JSON.stringify(Object.fromEntries(fields.map((field, f) => [field.name, vocab[f]])))}\n`,
  );
  const descriptor: RankerDatasetDescriptor = {
    format: "tml-ranker/1",
    source: { ...options.source, vocabulary: "train split; id 0 = value unseen in train" },
    splits,
    labels: ["label"],
    dense: [],
    binary: [],
    ids: fields.map((field, f) => ({
      name: field.name,
      vocab_size: (vocab[f] as number[]).length + 1,
    })),
  };
  writeRankerDescriptor(outDir, descriptor);
  return descriptor;
}

/** Reads a CTR file into columns: [labels, field 1 indices, …]. */
async function readCtrFile(path: string, options: CtrConvertOptions): Promise<number[][]> {
  const { fields, format } = options;
  const columns: number[][] = Array.from({ length: fields.length + 1 }, () => []);
  const row = new Int32Array(fields.length + 1);
  let header = format === "csv";
  for await (const { text, number } of readTextLines(path)) {
    if (header) {
      const expected = ["label", ...fields.map((field) => field.name)].join(",");
      if (text.trim() !== expected)
        throw lineError(
          path,
          number,
          `expected the header "${expected}", got "${text.slice(0, 120)}"`,
        );
      header = false;
      continue;
    }
    if (text.trim() === "") continue;
    if (format === "csv") parseCsvLine(text, fields, path, number, row);
    else parseLibfmLine(text, fields, path, number, row);
    for (let c = 0; c < row.length; c++) (columns[c] as number[]).push(row[c] as number);
  }
  return columns;
}

function int64Vector(values: number[]): arrow.Vector {
  const out = new BigInt64Array(values.length);
  const words = lowWords(out);
  for (let i = 0; i < values.length; i++) words[2 * i] = values[i] as number;
  return arrow.makeVector(out);
}
