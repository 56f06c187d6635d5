import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, Rng, writeFileAtomic } from "@tml/core";
import { writeParquetFile } from "../parquet/index.js";
import { writeTfRecordFile } from "../tfrecord/index.js";
import type { AucSummary } from "./auc-accumulator.js";
import { parityRankerChunk } from "./parity-chunk.js";
import type { RankerChunk } from "./ranker-chunk.js";
import { rankerChunkToExamples } from "./ranker-examples.js";
import { RankerGenerator, type RankerGeneratorOptions } from "./ranker-generator.js";
import { rankerChunkToTable, rankerSegdenseSchema } from "./ranker-table.js";

/** Options of `writeRankerData`. */
export interface WriteRankerDataOptions extends RankerGeneratorOptions {
  /** Rows to generate (ignored in parity mode, which writes one row like the original). */
  rows: number;
  /** Rows per Parquet shard (the most rows held in memory). Default 2048 (about 70 MB of values). */
  shardRows?: number;
  /** Rows per row group. Default 512. */
  rowGroupRows?: number;
  /** Parquet page compression. Default "snappy". */
  compression?: "snappy" | "zstd" | "uncompressed";
  /** `parquet` (default) or `tfrecord` (GZIP TFRecord of tf.train.Example, like the original's data). */
  format?: "parquet" | "tfrecord";
  /** Reproduce the original generator (one row, labels 0–9, no signal) instead of planting a model. */
  parity?: boolean;
  /** Called after each shard with the rows written so far. */
  onProgress?: (written: number, total: number) => void;
}

/** What `writeRankerData` wrote, also saved as `generator.json`. */
export interface RankerDataReport {
  rows: number;
  files: { path: string; rows: number }[];
  seed: number;
  parity: boolean;
  /** Per label: target rate, positives, mean true probability, Bayes-optimal and realized AUC. */
  tasks: Record<string, AucSummary & { targetRate: number }>;
  /** Where the planted signal sits (planted mode). */
  informative?: { continuousColumns: number[]; binaryColumns: number[]; interactions: number[][] };
}

/**
 * Generates Heavy Ranker rows into `outDir` as Parquet shards `part-NNNNN.parquet` in the segdense
 * layout (`rankerChunkToTable`) or GZIP TFRecord shards `part-NNNNN.tfrecord.gz`, plus `segdense.json` (the schema, loadable by the ranker's data
 * config) and `generator.json` (`RankerDataReport`). Streams shard by shard; each file is written
 * atomically.
 */
export async function writeRankerData(
  outDir: string,
  options: WriteRankerDataOptions,
): Promise<RankerDataReport> {
  if (!options.parity && !(Number.isInteger(options.rows) && options.rows >= 1)) {
    throw new ConfigError(`generate ranker: rows must be a positive integer, got ${options.rows}`);
  }
  const shardRows = options.shardRows ?? 2048;
  if (!(Number.isInteger(shardRows) && shardRows >= 1)) {
    throw new ConfigError(
      `generate ranker: shardRows must be a positive integer, got ${shardRows}`,
    );
  }
  mkdirSync(outDir, { recursive: true });
  const files: { path: string; rows: number }[] = [];
  let schemaChunk: RankerChunk | undefined;
  const extension = options.format === "tfrecord" ? "tfrecord.gz" : "parquet";
  const write = async (chunk: RankerChunk, stem: string) => {
    const name = `${stem}.${extension}`;
    if (options.format === "tfrecord") {
      await writeTfRecordFile(join(outDir, name), rankerChunkToExamples(chunk), {
        compression: "gzip",
      });
    } else {
      // Snappy without dictionaries: 2–4× faster to write than zstd for ~25% more bytes (noise
      // columns barely compress either way).
      await writeParquetFile(join(outDir, name), rankerChunkToTable(chunk), {
        compression: options.compression ?? "snappy",
        dictionary: false,
        rowGroupSize: options.rowGroupRows ?? 512,
      });
    }
    files.push({ path: name, rows: chunk.rows });
    schemaChunk ??= chunk;
  };
  let report: RankerDataReport;
  if (options.parity) {
    await write(parityRankerChunk(new Rng(options.seed), 1, options.layout), "random");
    report = { rows: 1, files, seed: options.seed, parity: true, tasks: {} };
  } else {
    const generator = new RankerGenerator(options);
    for (let written = 0; written < options.rows; ) {
      const rows = Math.min(shardRows, options.rows - written);
      await write(generator.nextChunk(rows), `part-${String(files.length).padStart(5, "0")}`);
      written += rows;
      options.onProgress?.(written, options.rows);
    }
    const { model } = generator;
    const pairs = Array.from({ length: model.pairs.length / 2 }, (_, k) => [
      model.pairs[2 * k] as number,
      model.pairs[2 * k + 1] as number,
    ]);
    report = {
      rows: options.rows,
      files,
      seed: options.seed,
      parity: false,
      tasks: generator.report(),
      informative: {
        continuousColumns: Array.from(model.continuousColumns),
        binaryColumns: Array.from(model.binaryColumns),
        interactions: pairs,
      },
    };
  }
  const schema = rankerSegdenseSchema(schemaChunk as RankerChunk);
  writeFileAtomic(join(outDir, "segdense.json"), `${JSON.stringify({ schema }, null, 2)}\n`);
  writeFileAtomic(join(outDir, "generator.json"), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
