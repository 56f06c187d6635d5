import { createLogger, type EvalEvent, type Logger } from "@tml/core";
import { selectEngine } from "@tml/engine";
import {
  evalProgress,
  evaluateCheckpoints,
  loadCheckpoint,
  resolveCheckpoint,
} from "@tml/training";
import type { RecapConfig } from "../config/recap-config.js";
import { onlyEvaluationTasks } from "../task/evaluation-tasks.js";
import { buildRecapRun } from "./build-run.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/** Options of `evaluateHeavyRanker`. */
export interface EvaluateHeavyRankerOptions {
  readonly config: RecapConfig;
  /** A checkpoint (`<save_dir>/<step>`) or a save dir (its latest; with `follow`, every new one). */
  readonly checkpoint: string;
  /** Validation partitions to evaluate (default: all of `validation_data`). */
  readonly partitions?: readonly string[];
  readonly device?: string;
  /** Evaluation batches per partition (default `training.num_eval_steps`; negative = all). */
  readonly maxSteps?: number;
  /** Follow `checkpoint` as a save dir and evaluate each new checkpoint (the evaluator process). */
  readonly follow?: boolean;
  /** With `follow`: how often the save dir is polled, seconds (default 30). */
  readonly pollSeconds?: number;
  /** With `follow`: called after each partition's evaluation of a checkpoint. */
  readonly onEval?: (event: EvalEvent & { partition: string; path: string }) => void;
  readonly logger?: Logger;
  readonly embeddings?: TwhinEmbeddings;
  readonly signal?: AbortSignal;
}

/** Metrics per partition (`auroc/<task>`, `rce/<task>`, …) and the evaluated step. */
export interface EvaluateHeavyRankerResult {
  readonly step: number;
  readonly checkpoint: string;
  readonly metrics: Record<string, Record<string, number>>;
}

/**
 * Evaluates a trained Heavy Ranker as the training loop does (`RecapEvaluation`): restores a
 * checkpoint and, for each validation partition, runs the model in eval mode and reports per-task
 * `<metric>/<task>` values (AUROC, RCE, NRCE, PR-AUC, calibration). `evaluateRankerCheckpoint`
 * computes the same metrics and keeps every row's score for plots. With `follow`, evaluates every
 * partition at each new checkpoint of the save dir as it appears (training's
 * `evaluateCheckpoints`, with done markers) and returns the last checkpoint's metrics.
 */
export async function evaluateHeavyRanker(
  options: EvaluateHeavyRankerOptions,
): Promise<EvaluateHeavyRankerResult> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ name: "heavy-ranker-eval" });
  // Scoring only: no gradients, so callers need no resolve hook (see @tml/engine's gradients).
  await selectEngine({ device: options.device ?? "auto", logger, gradients: false });
  const partitions = options.partitions ?? Object.keys(config.validation_data);
  const run = await buildRecapRun(config, {
    allowMissingTrainData: true,
    logger,
    ...(partitions[0] ? { evalPartition: partitions[0] } : {}),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  const maxSteps = options.maxSteps ?? config.training.num_eval_steps;
  const limit = maxSteps < 0 ? undefined : maxSteps;
  const evaluationTasksOf = (partition: string): readonly string[] =>
    config.validation_data[partition]?.evaluation_tasks ?? [];
  try {
    const metrics: Record<string, Record<string, number>> = {};
    if (options.follow) {
      // One pass over the save dir: each new checkpoint is restored once and every partition
      // evaluates it before the next one is looked for.
      const results = await evaluateCheckpoints({
        task: run.task,
        evaluatePartition: async (partition, context) =>
          onlyEvaluationTasks(
            await run.task.evaluateOn(run.validationBatches(partition, context.maxSteps), context),
            evaluationTasksOf(partition),
          ),
        config: {
          save_dir: options.checkpoint,
          num_train_steps: config.training.num_train_steps,
          num_eval_steps: maxSteps,
          eval_timeout_in_s: config.training.eval_timeout_in_s,
          eval_log_every_n: config.training.eval_log_every_n,
        },
        partitions,
        logger,
        ...(options.pollSeconds === undefined ? {} : { pollSeconds: options.pollSeconds }),
        ...(options.onEval ? { onEval: options.onEval } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const last = [...results.keys()].at(-1);
      return {
        step: last ?? -1,
        checkpoint: options.checkpoint,
        metrics: last === undefined ? {} : (results.get(last) ?? {}),
      };
    }
    const path = await resolveCheckpoint(options.checkpoint);
    const checkpoint = await loadCheckpoint(path, { modelKind: run.task.kind });
    run.task.loadWeights(checkpoint.state);
    for (const partition of partitions) {
      const progress = evalProgress(
        logger,
        config.training.eval_log_every_n,
        `evaluation progress (${partition})`,
        { step: checkpoint.step },
      );
      const context = limit === undefined ? { progress } : { maxSteps: limit, progress };
      metrics[partition] = onlyEvaluationTasks(
        await run.task.evaluateOn(run.validationBatches(partition, limit), context),
        evaluationTasksOf(partition),
      );
      logger.info("evaluation", { partition, step: checkpoint.step, ...metrics[partition] });
    }
    return { step: checkpoint.step, checkpoint: path, metrics };
  } finally {
    run.task.dispose();
    run.model.dispose();
  }
}
