import { join } from "node:path";
import {
  createLogger,
  debugKillPoint,
  type Logger,
  type TrainingCallbacks,
  type TrainingConfig,
  UsageError,
} from "@tml/core";
import { selectEngine } from "@tml/engine";
import { listCheckpoints, runTraining, type TrainingResult } from "@tml/training";
import type { RecapConfig } from "../config/recap-config.js";
import { saveSafetensors } from "../export/state-dict.js";
import { recapDatasetBatches, recapTrainBatchesPerEpoch } from "../features/recap-dataset.js";
import { onlyEvaluationTasks } from "../task/evaluation-tasks.js";
import { buildRecapRun } from "./build-run.js";
import { loadPretrainedLargeTables } from "./pretrained-large-tables.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";
import { withTwhinEmbeddings } from "./twhin-embeddings.js";

/** Options of `trainHeavyRanker`. */
export interface TrainHeavyRankerOptions {
  readonly config: RecapConfig;
  /** Run folder: checkpoints go to `<outDir>/checkpoints`, final weights to `<outDir>/model.safetensors`. */
  readonly outDir: string;
  /** tfjs engine (`auto`, `cpu`, `gpu` or a backend name); default `auto`. */
  readonly device?: string;
  /** Overrides `training.num_train_steps` and `training.num_epochs`. */
  readonly maxSteps?: number;
  /** Continue from the latest checkpoint in `outDir` (default: error when checkpoints exist). */
  readonly resume?: boolean;
  readonly logger?: Logger;
  readonly callbacks?: TrainingCallbacks | readonly TrainingCallbacks[];
  /** TwHIN embeddings replacing the data's embedding columns (looked up by user / author id). */
  readonly embeddings?: TwhinEmbeddings;
  /** Validation partition evaluated every `eval_every_n` steps (default: the first). */
  readonly evalPartition?: string;
  /** Run the evaluation every n steps and at the end (default: only at the end). */
  readonly evalEveryN?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
}

/** What a training run produced. */
export interface TrainHeavyRankerResult extends TrainingResult {
  /**
   * The final weights (servable state_dict names); undefined when the run was aborted: partial
   * weights are never written as a model (the checkpoint holds them; resume finishes the run).
   */
  readonly weightsPath: string | undefined;
  readonly parameters: number;
  /** The tfjs backend used, with the reason it was chosen. */
  readonly engine: string;
  /**
   * Metrics of the exported weights (the best evaluation's under `training.early_stopping`) on
   * every `validation_data` partition, in config order (e.g. `valid`, `test`); empty when the run
   * was aborted.
   */
  readonly partitionMetrics: Readonly<Record<string, Record<string, number>>>;
  /** Training files skipped under `train_data.ignore_data_errors` (each reported as a warning). */
  readonly skippedFiles: number;
}

/**
 * Trains the Heavy Ranker of a recap config (what `apps/trainer` calls): selects the engine,
 * streams `train_data` Parquet files in `global_batch_size` batches, builds the model from the
 * data's widths, warm-starts the large tables that name a `pretrained` snapshot (a shape mismatch
 * is a ConfigError before any step), runs `@tml/training`'s `runTraining` (checkpoints with weights, Adam state, LR-schedule step
 * and data position; resume; warm start from `training.initial_checkpoint_dir`; evaluation with
 * per-task AUROC / RCE / NRCE / PR-AUC / logloss; early stopping and reduce-on-plateau from the
 * `training` section), then, unless it was aborted, writes `model.safetensors` (the best
 * evaluation's weights under early stopping) and scores those weights on every validation partition.
 */
export async function trainHeavyRanker(
  options: TrainHeavyRankerOptions,
): Promise<TrainHeavyRankerResult> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: "heavy-ranker" });
  const engine = await selectEngine({ device: options.device ?? "auto", logger });
  const saveDir = join(options.outDir, "checkpoints");
  if (!options.resume && (await listCheckpoints(saveDir)).length > 0) {
    throw new UsageError(
      `${saveDir} already holds checkpoints; pass resume to continue or choose a new outDir`,
    );
  }
  const run = await buildRecapRun(config, {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.evalPartition ? { evalPartition: options.evalPartition } : {}),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
    logger,
  });
  const training = config.training;
  // num_epochs: that many passes over the counted training rows, the data stream ending with them.
  const epochs = options.maxSteps === undefined ? (training.num_epochs ?? undefined) : undefined;
  const transform = options.embeddings ? withTwhinEmbeddings(options.embeddings) : undefined;
  const totalSteps =
    options.maxSteps ??
    (epochs === undefined
      ? training.num_train_steps
      : epochs * (await recapTrainBatchesPerEpoch(run.trainFeaturizer, transform)));
  if (epochs !== undefined) logger.info("training plan", { num_epochs: epochs, steps: totalSteps });
  const hasValidation = Object.keys(config.validation_data).length > 0;
  let skippedFiles = 0;
  const onSkippedFile = (file: string, error: Error, skipped: number) => {
    skippedFiles = skipped;
    logger.warn("ignore_data_errors: skipped a training file", {
      file,
      reason: error.message,
      skipped_files: skippedFiles,
    });
  };
  const loopConfig: TrainingConfig = {
    ...training,
    save_dir: saveDir,
    num_train_steps: totalSteps,
    eval_every_n:
      options.evalEveryN ?? training.eval_every_n ?? (hasValidation ? totalSteps : null),
  };
  try {
    const pretrained = await loadPretrainedLargeTables(run.model, config.model);
    if (pretrained.length > 0)
      logger.info("pretrained large tables loaded", { tables: pretrained });
    const result = await runTraining({
      task: run.task,
      data: (startStep) =>
        recapDatasetBatches(run.trainFeaturizer, {
          mode: "train",
          seed: options.seed ?? 0,
          skipBatches: startStep,
          ...(epochs === undefined ? {} : { epochs }),
          onSkippedFile,
          ...(transform ? { transform } : {}),
        }),
      config: loopConfig,
      logger,
      ...(options.callbacks ? { callbacks: options.callbacks } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let weightsPath: string | undefined;
    const weightsStep = result.best?.step ?? result.step;
    const partitionMetrics: Record<string, Record<string, number>> = {};
    if (result.status === "aborted") {
      logger.info("stopped early: no model.safetensors (resume to finish and write it)", {
        step: result.step,
      });
    } else {
      debugKillPoint("export");
      weightsPath = join(options.outDir, "model.safetensors");
      await saveSafetensors(run.model, weightsPath, {
        metadata: { step: String(weightsStep) },
      });
      logger.info("weights written", { path: weightsPath, step: weightsStep });
      for (const partition of Object.keys(config.validation_data)) {
        partitionMetrics[partition] = onlyEvaluationTasks(
          await run.task.evaluateOn(run.validationBatches(partition)),
          config.validation_data[partition]?.evaluation_tasks ?? [],
        );
        logger.info("final evaluation", {
          partition,
          step: weightsStep,
          ...partitionMetrics[partition],
        });
      }
    }
    return {
      ...result,
      partitionMetrics,
      skippedFiles,
      weightsPath,
      parameters: run.model.parameterCount(),
      engine: `${engine.backend} (${engine.reason})`,
    };
  } finally {
    run.task.dispose();
    run.model.dispose();
  }
}
