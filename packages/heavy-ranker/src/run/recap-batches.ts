import { countParquetRows, iterateParquetBatches } from "@tml/data-io";
import type { RecapDataConfig } from "../config/data-config.js";
import type { FeatureBatch } from "../features/feature-batch.js";
import { featureBatchFromColumns } from "../features/from-data-io.js";
import type { RecapDataMode } from "../features/prepare-recap-arrays.js";
import type { RecapBatch } from "../features/recap-batch.js";
import type { RecapFeaturizer } from "../features/recap-featurizer.js";
import { RowBatcher } from "./row-batcher.js";

/** Options of `recapBatches`. */
export interface RecapBatchesOptions {
  readonly featurizer: RecapFeaturizer;
  /** The dataset's sorted Parquet files (see `resolveInputFiles`). */
  readonly files: readonly string[];
  /** `train`/`eval` (labels and weights) or `inference`. */
  readonly mode?: RecapDataMode;
  /** Cycle over the files forever (training), else one pass. */
  readonly repeat?: boolean;
  /** Skip this many full batches first (resume at the same data position). */
  readonly skipBatches?: number;
  /** Replaces raw columns before featurization (e.g. TwHIN embeddings looked up by id). */
  readonly transform?: (raw: FeatureBatch) => FeatureBatch;
}

/**
 * Streams a dataset as RecapBatch tensors of exactly `global_batch_size` rows (drop remainder
 * when repeating; the last short batch is kept on a single pass), in file order. The data position
 * is the batch count: `skipBatches` skips whole files by their row counts, then rows.
 */
export async function* recapBatches(
  data: RecapDataConfig,
  options: RecapBatchesOptions,
): AsyncGenerator<RecapBatch> {
  const batchSize = data.global_batch_size;
  const mode = options.mode ?? "train";
  let skipRows = (options.skipBatches ?? 0) * batchSize;
  const counts = new Map<string, number>();
  const rowsOf = async (file: string) => {
    let rows = counts.get(file);
    if (rows === undefined) {
      rows = await countParquetRows(file);
      counts.set(file, rows);
    }
    return rows;
  };
  const batcher = new RowBatcher(batchSize);
  do {
    for (const file of options.files) {
      const rows = await rowsOf(file);
      if (skipRows >= rows) {
        skipRows -= rows;
        continue;
      }
      for await (const columns of iterateParquetBatches(file, { batchRows: batchSize, skipRows })) {
        const raw = featureBatchFromColumns(columns);
        for (const full of batcher.push(options.transform ? options.transform(raw) : raw)) {
          yield options.featurizer.featurize(full, mode);
        }
      }
      skipRows = 0;
    }
  } while (options.repeat);
  const rest = batcher.remainder();
  if (rest) yield options.featurizer.featurize(rest, mode);
}
