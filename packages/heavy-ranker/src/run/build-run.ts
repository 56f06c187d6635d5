import { DataError, type Logger, UsageError } from "@tml/core";
import type { RecapConfig } from "../config/recap-config.js";
import { selectInputFiles } from "../features/input-files.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { recapDatasetBatches } from "../features/recap-dataset.js";
import { createRecapFeaturizer, type RecapFeaturizer } from "../features/recap-featurizer.js";
import { buildRankingModel } from "../model/build-model.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { RecapTrainTask } from "../task/recap-train-task.js";
import { type TwhinEmbeddings, withTwhinEmbeddings } from "./twhin-embeddings.js";

/** The pieces both the trainer and the evaluator build from a config. */
export interface RecapRun {
  readonly model: MultiTaskRankingModel;
  readonly task: RecapTrainTask;
  readonly trainFeaturizer: RecapFeaturizer;
  /**
   * Batches of one validation partition (eval mode): one pass, or, for an evaluation of at most
   * `maxSteps` batches of a partition with `repeat_files` (the original's default), its files
   * repeated until those batches are read.
   */
  readonly validationBatches: (partition: string, maxSteps?: number) => AsyncGenerator<RecapBatch>;
}

/** Options of `buildRecapRun`. */
export interface BuildRecapRunOptions {
  readonly seed?: number;
  /** Validation partition of the task's `evaluate` (default: the first). */
  readonly evalPartition?: string;
  readonly embeddings?: TwhinEmbeddings;
  readonly logger?: Logger;
  /** Evaluators may lack the training files: widths then come from the validation data. */
  readonly allowMissingTrainData?: boolean;
}

/**
 * Builds model and task from a config: reads one batch to learn the feature widths after
 * preprocessing, then builds the model (seeded) and its train task (which owns and frees its
 * training batches) whose evaluation runs the `evalPartition` validation set.
 */
export async function buildRecapRun(
  config: RecapConfig,
  options: BuildRecapRunOptions = {},
): Promise<RecapRun> {
  const featurizerOptions = {
    modelTasks: Object.keys(config.model.tasks),
    parity: config.parity,
    ...(config.model.large_embeddings
      ? { embeddingBags: config.model.large_embeddings.tables }
      : {}),
  };
  const trainFeaturizer = createRecapFeaturizer(config.train_data, featurizerOptions);
  const transform = options.embeddings ? withTwhinEmbeddings(options.embeddings) : undefined;
  const read = transform ? { transform } : {};
  let probe = trainFeaturizer;
  try {
    await selectInputFiles(config.train_data);
  } catch (error) {
    const partition = options.evalPartition ?? Object.keys(config.validation_data)[0];
    const data = partition ? config.validation_data[partition] : undefined;
    if (!options.allowMissingTrainData || !data) throw error;
    probe = createRecapFeaturizer(data, featurizerOptions);
  }
  const probeBatches = recapDatasetBatches(probe, { mode: "eval", epochs: 1, ...read });
  const first = await probeBatches.next();
  // Close the probe's reader now rather than when the generator is garbage-collected.
  await probeBatches.return(undefined);
  if (first.done) throw new DataError("the data holds fewer rows than one global_batch_size batch");
  const shapes = {
    continuousWidth: first.value.continuous.shape[1],
    binaryWidth: first.value.binary.shape[1],
    embeddingWidth:
      first.value.userEmbedding?.shape[1] ?? first.value.authorEmbedding?.shape[1] ?? 200,
  };
  disposeRecapBatch(first.value);
  const model = buildRankingModel(config, shapes, options.seed ?? 0);
  const validationBatches = async function* (
    partition: string,
    maxSteps?: number,
  ): AsyncGenerator<RecapBatch> {
    const data = config.validation_data[partition];
    if (!data) throw new UsageError(`no validation_data partition "${partition}"`);
    yield* recapDatasetBatches(createRecapFeaturizer(data, featurizerOptions), {
      mode: "eval",
      epochs: maxSteps !== undefined && data.repeat_files ? Number.POSITIVE_INFINITY : 1,
      onSkippedFile: (file, error, skipped) =>
        options.logger?.warn("ignore_data_errors: skipped a validation file", {
          partition,
          file,
          reason: error.message,
          skipped_files: skipped,
        }),
      ...read,
    });
  };
  const partition = options.evalPartition ?? Object.keys(config.validation_data)[0];
  const task = new RecapTrainTask({
    model,
    config,
    seed: options.seed ?? 0,
    disposeBatches: true,
    ...(partition
      ? {
          evalData: (maxSteps?: number) => validationBatches(partition, maxSteps),
          evaluationTasks: config.validation_data[partition]?.evaluation_tasks ?? [],
        }
      : {}),
  });
  options.logger?.info("heavy ranker model", {
    parameters: model.parameterCount(),
    input_width: model.inputWidth,
    ...shapes,
  });
  return { model, task, trainFeaturizer, validationBatches };
}
