import type { EvalContext, EvalEvent, Logger, TrainingConfig, TrainTask } from "@tml/core";
import { assert } from "@tml/core";
import { loadCheckpoint } from "./checkpoint-store.js";
import { followCheckpoints, isEvaluated, markEvaluated } from "./checkpoint-watch.js";
import { evalProgress } from "./eval-progress.js";
import { evalSignal } from "./eval-signal.js";

/** Evaluates one partition on a task restored to a checkpoint: metric name → value. */
export type EvaluatePartition = (
  partition: string,
  context: EvalContext,
) => Record<string, number> | Promise<Record<string, number>>;

/** Options of `evaluateCheckpoints`. */
export interface EvaluateCheckpointsOptions<Batch> {
  /** A task; its state is replaced by each checkpoint's. */
  task: TrainTask<Batch>;
  config: Pick<
    TrainingConfig,
    "save_dir" | "num_train_steps" | "num_eval_steps" | "eval_timeout_in_s" | "eval_log_every_n"
  >;
  /**
   * Names of the evaluation data (`validation`, `is_favorited`…), each evaluated at every
   * checkpoint, in this order; each has its own done marker.
   */
  partitions: readonly string[];
  /** Evaluates one partition (default: `task.evaluate`, the same data whatever the name). */
  evaluatePartition?: EvaluatePartition;
  logger?: Logger;
  onEval?: (event: EvalEvent & { partition: string; path: string }) => void | Promise<void>;
  signal?: AbortSignal;
  /** Polling of `save_dir`; defaults as `followCheckpoints`. */
  pollSeconds?: number;
  timeoutSeconds?: number;
}

/**
 * The evaluator process (the original's `only_evaluate`, which nothing called): follows
 * `save_dir`, and for every new checkpoint restores the task once, evaluates each partition that
 * has not evaluated it yet, reports, and writes its `evaled_by/<partition>_DONE` marker. Ends
 * after the checkpoint at `num_train_steps`, on timeout, or on abort. Returns the results by
 * step, then by partition.
 */
export async function evaluateCheckpoints<Batch>(
  options: EvaluateCheckpointsOptions<Batch>,
): Promise<Map<number, Record<string, Record<string, number>>>> {
  const { task, config, partitions, logger, signal } = options;
  const evaluatePartition = options.evaluatePartition ?? taskEvaluation(task);
  const results = new Map<number, Record<string, Record<string, number>>>();
  const checkpoints = followCheckpoints(config.save_dir, {
    stopAtStep: config.num_train_steps,
    ...(options.pollSeconds === undefined ? {} : { pollSeconds: options.pollSeconds }),
    ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    ...(signal ? { signal } : {}),
  });
  for await (const ref of checkpoints) {
    const pending: string[] = [];
    for (const partition of partitions)
      if (!(await isEvaluated(ref.path, partition))) pending.push(partition);
    if (pending.length === 0) continue;
    const checkpoint = await loadCheckpoint(ref.path, { modelKind: task.kind });
    await task.setState(checkpoint.state, { reason: "resume", step: checkpoint.step });
    const byPartition: Record<string, Record<string, number>> = {};
    results.set(checkpoint.step, byPartition);
    for (const partition of pending) {
      const began = performance.now();
      const budget = evalSignal(config.eval_timeout_in_s, signal);
      let metrics: Record<string, number>;
      try {
        metrics = await evaluatePartition(partition, {
          step: checkpoint.step,
          walltimeS: checkpoint.walltimeS,
          maxSteps: config.num_eval_steps < 0 ? undefined : config.num_eval_steps,
          signal: budget.signal,
          progress: evalProgress(
            logger,
            config.eval_log_every_n,
            `evaluation progress (${partition})`,
            {
              step: checkpoint.step,
            },
          ),
        });
      } finally {
        budget.release();
      }
      const seconds = (performance.now() - began) / 1000;
      byPartition[partition] = metrics;
      logger?.info(`evaluation (${partition})`, { step: checkpoint.step, seconds, ...metrics });
      await options.onEval?.({
        step: checkpoint.step,
        metrics,
        seconds,
        partition,
        path: ref.path,
      });
      await markEvaluated(ref.path, partition);
    }
  }
  return results;
}

// The task's own `evaluate`, for every partition name.
function taskEvaluation<Batch>(task: TrainTask<Batch>): EvaluatePartition {
  assert(task.evaluate, () => `task ${task.kind} has no evaluate(); evaluators need one`);
  const evaluate = task.evaluate.bind(task);
  return (_partition, context) => evaluate(context);
}
