import { DataError, type Logger } from "@tml/core";
import type { RecapDataConfig } from "../config/data-config.js";
import type { RecapConfig } from "../config/recap-config.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { createRecapFeaturizer, type RecapFeaturizer } from "../features/recap-featurizer.js";
import { buildRankingModel } from "../model/build-model.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { RecapTrainTask } from "../task/recap-train-task.js";
import { resolveInputFiles } from "./input-files.js";
import { recapBatches } from "./recap-batches.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";
import { withTwhinEmbeddings } from "./twhin-embeddings.js";

/** The pieces both the trainer and the evaluator build from a config. */
export interface RecapRun {
  readonly model: MultiTaskRankingModel;
  readonly task: RecapTrainTask;
  readonly trainFeaturizer: RecapFeaturizer;
  /** Training files (empty when built for evaluation without them). */
  readonly trainFiles: string[];
  /** Batches of one validation partition (one pass). */
  readonly validationBatches: (partition: string) => AsyncGenerator<RecapBatch>;
}

/**
 * Builds model and task from a config: reads one training batch to learn the feature widths after
 * preprocessing, then builds the model (seeded) and its train task whose evaluation runs the
 * `evalPartition` validation set.
 */
export async function buildRecapRun(
  config: RecapConfig,
  options: {
    seed?: number;
    evalPartition?: string;
    embeddings?: TwhinEmbeddings;
    logger?: Logger;
    /** Evaluators may lack the training files: widths then come from the validation data. */
    allowMissingTrainData?: boolean;
  } = {},
): Promise<RecapRun> {
  const modelTasks = Object.keys(config.model.tasks);
  const featurizerOptions = { modelTasks, parity: config.parity };
  const trainFeaturizer = createRecapFeaturizer(config.train_data, featurizerOptions);
  const transform = options.embeddings ? withTwhinEmbeddings(options.embeddings) : undefined;
  // Feature widths after preprocessing come from one batch: of the training data, or of a
  // validation set when only those are at hand (evaluators).
  let trainFiles: string[] = [];
  let probe: { data: RecapDataConfig; featurizer: RecapFeaturizer; files: string[] };
  try {
    trainFiles = await resolveInputFiles(config.train_data);
    probe = { data: config.train_data, featurizer: trainFeaturizer, files: trainFiles };
  } catch (error) {
    const partition = options.evalPartition ?? Object.keys(config.validation_data)[0];
    const data = partition ? config.validation_data[partition] : undefined;
    if (!options.allowMissingTrainData || !data) throw error;
    const files = await resolveInputFiles(data, `validation_data.${partition}`);
    probe = { data, featurizer: createRecapFeaturizer(data, featurizerOptions), files };
  }
  const first = await recapBatches(probe.data, {
    featurizer: probe.featurizer,
    files: probe.files,
    mode: "eval",
    ...(transform ? { transform } : {}),
  }).next();
  if (first.done) throw new DataError(`${probe.files[0]} holds no rows`);
  const shapes = {
    continuousWidth: first.value.continuous.shape[1],
    binaryWidth: first.value.binary.shape[1],
    embeddingWidth:
      first.value.userEmbedding?.shape[1] ?? first.value.authorEmbedding?.shape[1] ?? 200,
  };
  disposeRecapBatch(first.value);
  const model = buildRankingModel(config, shapes, options.seed ?? 0);
  const validationBatches = async function* (partition: string): AsyncGenerator<RecapBatch> {
    const data = config.validation_data[partition];
    if (!data) return;
    const featurizer = createRecapFeaturizer(data, featurizerOptions);
    const files = await resolveInputFiles(data, `validation_data.${partition}`);
    yield* recapBatches(data, {
      featurizer,
      files,
      mode: "eval",
      ...(transform ? { transform } : {}),
    });
  };
  const partition = options.evalPartition ?? Object.keys(config.validation_data)[0];
  const task = new RecapTrainTask({
    model,
    config,
    seed: options.seed ?? 0,
    disposeBatches: true,
    ...(partition ? { evalData: () => validationBatches(partition) } : {}),
  });
  options.logger?.info("heavy ranker model", {
    parameters: model.parameterCount(),
    input_width: model.inputWidth,
    ...shapes,
  });
  return { model, task, trainFeaturizer, trainFiles, validationBatches };
}
