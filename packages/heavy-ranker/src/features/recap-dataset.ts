import { ConfigError, DataError } from "@tml/core";
import { type ColumnBatch, Dataset } from "@tml/data-io";
import type { FeatureBatch } from "./feature-batch.js";
import { featureBatchFromColumns } from "./from-data-io.js";
import { selectInputFiles } from "./input-files.js";
import type { RecapDataMode } from "./prepare-recap-arrays.js";
import type { RecapBatch } from "./recap-batch.js";
import type { RecapFeaturizer } from "./recap-featurizer.js";
import { usedFeatures } from "./used-features.js";

/** Reading options of `recapDatasetBatches`. */
export interface RecapDatasetOptions {
  /** train / eval read labels; inference does not need label columns. Default train. */
  readonly mode?: RecapDataMode;
  /** Seed of the file order and shuffle buffer (default 0). */
  readonly seed?: number;
  /**
   * Passes over the files (default: in train mode forever, or once under `repeat_files: false`;
   * once otherwise).
   */
  readonly epochs?: number;
  /** Batches to skip, as if read (resume). */
  readonly skipBatches?: number;
  /** Rewrites each raw batch before featurization (e.g. TwHIN embeddings looked up by id). */
  readonly transform?: RawBatchTransform;
  /**
   * Under `ignore_data_errors`, called for each file skipped because reading it raised a DataError
   * (truncated, corrupt, non-finite values), with the number of files skipped so far.
   */
  readonly onSkippedFile?: (file: string, error: Error, skipped: number) => void;
}

/**
 * A rewrite of raw columns before featurization, with the file columns it needs and the ones it
 * supplies itself.
 */
export interface RawBatchTransform {
  /** File columns it reads besides the schema's used features (e.g. `meta.user_id`). */
  readonly reads: readonly string[];
  /** Schema features it writes: they are not read, so the files need not hold them. */
  readonly replaces: readonly string[];
  /** The rewritten batch (`raw` itself is left unchanged). */
  readonly apply: (raw: FeatureBatch) => FeatureBatch;
}

/** A RecapBatch with its position in the stream. */
export type PositionedRecapBatch = RecapBatch & { readonly epoch: number; readonly index: number };

/**
 * Streams a dataset config's Parquet / Arrow / (GZIP) TFRecord files as RecapBatches (batching
 * order of the original's `projects/home/recap/data/dataset.py`): files from `selectInputFiles`,
 * shuffled per epoch, rows through a shuffle buffer of
 * `examples_shuffle_buffer_size` (train only), batches of `global_batch_size` × the
 * DownsampleNegatives `batch_multiplier` (the remainder dropped in train mode, a last smaller batch
 * otherwise), then `transform` (if any), then `featurizer`. Only the columns the schema uses are
 * read, less those the transform replaces, plus those it reads. The caller disposes each batch.
 */
export async function* recapDatasetBatches(
  featurizer: RecapFeaturizer,
  options: RecapDatasetOptions = {},
): AsyncGenerator<PositionedRecapBatch> {
  const mode = options.mode ?? "train";
  const dataset = await openRecapDataset(featurizer, options);
  for await (const batch of dataset.batches()) {
    yield {
      ...featurizer.featurize(transformedFeatureBatch(batch, options.transform), mode),
      epoch: batch.epoch,
      index: batch.index,
    };
  }
}

/**
 * A data-io batch as a FeatureBatch, rewritten by `transform`; a DataError when a column the
 * transform reads holds nulls (data-io reads them as 0, which as an id is a real entity).
 */
export function transformedFeatureBatch(
  batch: ColumnBatch,
  transform: RawBatchTransform | undefined,
): FeatureBatch {
  const raw = featureBatchFromColumns(batch);
  if (!transform) return raw;
  for (const name of transform.reads) {
    const nulls = batch.columns[name]?.nullCount ?? 0;
    if (nulls > 0) {
      throw new DataError(
        `column "${name}"${batch.source ? ` of ${batch.source.file}` : ""} holds ${nulls} null values, which rows are looked up by; fill or drop those rows`,
        { details: { column: name, nulls } },
      );
    }
  }
  return transform.apply(raw);
}

/**
 * Training batches in one pass over a dataset's files (`num_epochs` makes the run that many passes
 * long), read with the same `transform` as the batches; ConfigError when the files' rows cannot be
 * counted without reading them (TFRecord).
 */
export async function recapTrainBatchesPerEpoch(
  featurizer: RecapFeaturizer,
  transform?: RawBatchTransform,
): Promise<number> {
  const dataset = await openRecapDataset(featurizer, {
    mode: "train",
    ...(transform ? { transform } : {}),
  });
  const rows = await dataset.rowsPerEpoch();
  if (rows === undefined) {
    throw new ConfigError(
      "training.num_epochs needs Parquet or Arrow training data whose rows can be counted; set training.num_train_steps instead.",
      { details: { path: "training.num_epochs" } },
    );
  }
  const { data } = featurizer.options;
  return Math.floor(rows / (data.global_batch_size * batchMultiplier(data)));
}

const batchMultiplier = (data: RecapFeaturizer["options"]["data"]): number =>
  data.preprocess?.downsample_negatives?.batch_multiplier ?? 1;

async function openRecapDataset(
  featurizer: RecapFeaturizer,
  options: RecapDatasetOptions,
): Promise<Dataset> {
  const { data, schema } = featurizer.options;
  const mode = options.mode ?? "train";
  const labels = new Set(Object.keys(data.tasks));
  const replaced = new Set(options.transform?.replaces ?? []);
  const reads = options.transform?.reads ?? [];
  const fileFeatures = usedFeatures(schema, data).filter(
    (feature) =>
      !replaced.has(feature.feature_name) &&
      (mode !== "inference" || !labels.has(feature.feature_name)),
  );
  const columns = [
    ...fileFeatures.flatMap((feature) =>
      feature.columns ? [...feature.columns] : [feature.feature_name],
    ),
    ...reads,
  ];
  const multiplier = batchMultiplier(data);
  // TFRecord files are parsed by data-io with the schema's own (not column-assembled) features.
  const recordFeatures = [
    ...fileFeatures.filter((feature) => !feature.columns),
    ...schema.schema.filter((feature) => reads.includes(feature.feature_name)),
  ]
    .filter((feature, index, all) => all.indexOf(feature) === index)
    .map(({ feature_name, dtype, length }) => ({ feature_name, dtype, length }));
  let skipped = 0;
  const onSkippedFile = options.onSkippedFile;
  return Dataset.open({
    files: await selectInputFiles(data),
    columns: [...new Set(columns)],
    batchSize: data.global_batch_size * multiplier,
    // Evaluation scores every row: only training batches must all be full.
    dropRemainder: mode === "train",
    seed: options.seed ?? 0,
    shuffleBuffer: mode === "train" ? Math.max(0, data.examples_shuffle_buffer_size) : 0,
    shuffleFiles: mode === "train",
    epochs:
      options.epochs ?? (mode === "train" && data.repeat_files ? Number.POSITIVE_INFINITY : 1),
    skipBatches: options.skipBatches ?? 0,
    // NaN or infinity in a feature, embedding or label names its file, row and column here, not
    // later as a non-finite loss or a NaN metric.
    finiteColumns: [...new Set(columns)],
    ...(recordFeatures.length > 0
      ? {
          tfrecord: {
            schema: { schema: recordFeatures },
            features: recordFeatures.map((f) => f.feature_name),
          },
        }
      : {}),
    // The original's `ignore_data_errors` (`projects/home/recap/data/dataset.py`) drops the
    // elements tf.data fails on; here the rest of the failing file is skipped, and counted.
    ...(data.ignore_data_errors
      ? {
          onSkippedFile: (file: string, error: Error) => {
            skipped += 1;
            onSkippedFile?.(file, error, skipped);
          },
        }
      : {}),
  });
}
