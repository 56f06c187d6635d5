import { createLogger, type Logger } from "@tml/core";
import { countParquetRows } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { loadRecapConfig } from "../config/load-recap-config.js";
import type { RecapConfig } from "../config/recap-config.js";
import { selectInputFiles } from "../features/input-files.js";
import { loadScorerRuntime, type ScorerKind } from "./ranker-scorer.js";
import { checkRankerCheckpoint } from "./restore-ranker.js";
import { scoreHeavyRanker } from "./score-heavy-ranker.js";
import {
  type ScoredTask,
  type StratumMetrics,
  stratifiedMetrics,
  type TaskMetrics,
  taskMetrics,
} from "./task-metrics.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/** Options of `evaluateRankerCheckpoint`. */
export interface EvaluateRankerCheckpointOptions {
  /** Names the caller in error messages (`evaluator heavy-ranker`). */
  command: string;
  /** Recap config file (a run's resolved `config.yaml`) and `key.path=value` overrides. */
  configFile: string;
  overrides?: readonly string[];
  /** A checkpoint (`<save_dir>/<step>`) or a save dir (its latest). */
  checkpoint: string;
  /** Parquet glob of the rows to evaluate (default: the config's first validation partition). */
  data?: string;
  device?: string;
  /** Score at most this many batches (default all). */
  maxBatches?: number;
  /** tfjs model (default) or its ONNX graph in fp32 / int8 (onnxruntime-node). */
  scorer?: ScorerKind;
  /**
   * TwHIN embeddings replacing the data's embedding columns (looked up by user / author id), as
   * `trainHeavyRanker`'s option of that name: same lookup, same DataErrors.
   */
  embeddings?: TwhinEmbeddings;
  logger?: Logger;
}

/** Every row's score and every task's metrics of one checkpoint. */
export interface RankerCheckpointEvaluation {
  step: number;
  checkpoint: string;
  scorer: ScorerKind;
  /** onnxruntime-node's version for the ONNX scorers. */
  runtimeVersion: string | undefined;
  /** Rows in the evaluated data, and rows left out (a short last batch no divisor avoided). */
  rows: number;
  unscored: number;
  /** Per-task probabilities, labels and weights (for curves and histograms). */
  tasks: ScoredTask[];
  metrics: TaskMetrics[];
  /** The same metrics over each of the config's `model.stratifiers` (empty without any). */
  strata: StratumMetrics[];
}

/**
 * The config with the evaluated data as train_data (for feature widths) and partition `evaluation`.
 * The eval pass drops a short last batch, so the batch size becomes the largest divisor of the row
 * count between half and all of the configured size when there is one; `unscored` counts the rows
 * left out otherwise.
 */
async function withData(
  config: RecapConfig,
  data: string | undefined,
): Promise<{ config: RecapConfig; rows: number; unscored: number }> {
  const base = Object.values(config.validation_data)[0] ?? config.train_data;
  const evaluation = data ? { ...base, inputs: data } : base;
  let rows = 0;
  for (const file of await selectInputFiles(evaluation)) rows += await countParquetRows(file);
  const batch = evaluation.global_batch_size;
  let size = batch;
  for (let candidate = Math.min(batch, rows); candidate >= Math.ceil(batch / 2); candidate--) {
    if (rows % candidate === 0) {
      size = candidate;
      break;
    }
  }
  return {
    config: {
      ...config,
      train_data: data ? { ...config.train_data, inputs: data } : config.train_data,
      validation_data: { evaluation: { ...evaluation, global_batch_size: size } },
    },
    rows,
    unscored: rows % size,
  };
}

/**
 * Evaluates a Heavy Ranker checkpoint on held-out rows: scores every row in eval mode (tfjs or
 * ONNX) and computes each task's metrics (`taskMetrics`), over all rows and over each of
 * `model.stratifiers` (`stratifiedMetrics`). The checkpoint's kind is checked from its manifest
 * before the config is loaded or any data read.
 */
export async function evaluateRankerCheckpoint(
  options: EvaluateRankerCheckpointOptions,
): Promise<RankerCheckpointEvaluation> {
  await checkRankerCheckpoint(options.checkpoint);
  const { config, rows, unscored } = await withData(
    loadRecapConfig(options.configFile, { overrides: options.overrides ?? [] }),
    options.data,
  );
  const logger = options.logger ?? createLogger({ name: "heavy-ranker-eval", level: "warn" });
  // Scoring only: no gradients, so callers need no resolve hook (see @tml/engine's gradients).
  await selectEngine({ device: options.device ?? "auto", logger, gradients: false });
  const scorer = options.scorer ?? "tfjs";
  const runtime = loadScorerRuntime(options.command, scorer);
  const runtimeVersion = runtime?.version;
  const scores = await scoreHeavyRanker({
    command: options.command,
    config,
    checkpoint: options.checkpoint,
    partition: "evaluation",
    scorer,
    ...(runtime ? { runtime } : {}),
    ...(options.maxBatches !== undefined ? { maxBatches: options.maxBatches } : {}),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  return {
    step: scores.step,
    checkpoint: scores.checkpoint,
    scorer: scores.scorer,
    runtimeVersion,
    rows,
    unscored,
    tasks: scores.tasks,
    metrics: scores.tasks.map(taskMetrics),
    strata: stratifiedMetrics(scores.tasks, config.model.stratifiers ?? [], scores.stratifiers),
  };
}
