import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readCommunities, readParquetFile, writeParquetFile } from "@tml/data-io";
import type { MainJobConfig } from "./main-job-config.js";
import { writeRankerSplits } from "./ranker-splits.js";

/** Where the ranker data went. */
export interface RankerData {
  trainGlob: string;
  validationGlob: string;
  /** A sample timeline: candidate rows for `evaluator rank`. */
  timelineFile: string;
}

/** A user embedding table (row i = user i), e.g. TwHIN's exported `user` table. */
export interface UserEmbeddings {
  values: Float32Array;
  dim: number;
  rows: number;
}

/**
 * Generates the Heavy Ranker rows from one planted model (so train and validation agree): user and
 * author embeddings are the TwHIN export, and labels depend on the graph's true communities, so the
 * ranker gains from the embeddings exactly as far as TwHIN recovered them. The stream is split by
 * files into `train/` and `validation/`; the first validation rows also form the sample timeline.
 * Reuses a complete earlier output (`generator.json` is written last).
 */
export async function generateRankerData(
  dir: string,
  config: MainJobConfig,
  embeddings: UserEmbeddings,
  graphDir: string,
): Promise<RankerData> {
  const data = config.data;
  const result: RankerData = {
    trainGlob: join(dir, "train", "*.parquet"),
    validationGlob: join(dir, "validation", "*.parquet"),
    timelineFile: join(dir, "timeline", "candidates.parquet"),
  };
  if (existsSync(join(dir, "train", "generator.json")) && existsSync(result.timelineFile))
    return result;
  const communities = await readCommunities(join(graphDir, "communities", "user.parquet"));
  rmSync(dir, { recursive: true, force: true });
  const { firstValidationFile } = await writeRankerSplits(dir, {
    seed: config.seed,
    trainRows: data.ranker_rows,
    validationRows: data.validation_rows,
    keys: ["data.ranker_rows", "data.validation_rows"],
    layout: { continuous: 64, binary: 16, discrete: 8, embedding: embeddings.dim },
    userEmbeddings: { rows: embeddings.rows, dim: embeddings.dim, values: embeddings.values },
    userCommunities: communities,
    rates: data.rates,
    calibrationRows: 20_000,
  });
  mkdirSync(join(dir, "timeline"), { recursive: true });
  const table = await readParquetFile(firstValidationFile);
  await writeParquetFile(result.timelineFile, table.slice(0, data.timeline_candidates));
  return result;
}
