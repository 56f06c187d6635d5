import type { EvalEvent, Logger, TrainingConfig, TrainTask } from "@tml/core";
import { assert } from "@tml/core";
import { loadCheckpoint } from "./checkpoint-store.js";
import { followCheckpoints, isEvaluated, markEvaluated } from "./checkpoint-watch.js";
import { evalProgress } from "./eval-progress.js";
import { evalSignal } from "./eval-signal.js";

/** Options of `evaluateCheckpoints`. */
export interface EvaluateCheckpointsOptions<Batch> {
  /** A task with `evaluate`; its state is replaced by each checkpoint's. */
  task: TrainTask<Batch>;
  config: Pick<
    TrainingConfig,
    "save_dir" | "num_train_steps" | "num_eval_steps" | "eval_timeout_in_s" | "eval_log_every_n"
  >;
  /** Name of the evaluation data (`validation`, `is_favorited`…), used for the done markers. */
  partition: string;
  logger?: Logger;
  onEval?: (event: EvalEvent & { partition: string; path: string }) => void | Promise<void>;
  signal?: AbortSignal;
  /** Polling of `save_dir`; defaults as `followCheckpoints`. */
  pollSeconds?: number;
  timeoutSeconds?: number;
}

/**
 * The evaluator process (the original's `only_evaluate`, which nothing called): follows
 * `save_dir`, and for every new checkpoint not yet evaluated for `partition` restores the task,
 * runs `task.evaluate`, reports, and writes the `evaled_by/<partition>_DONE` marker. Ends after
 * the checkpoint at `num_train_steps`, on timeout, or on abort. Returns the results by step.
 */
export async function evaluateCheckpoints<Batch>(
  options: EvaluateCheckpointsOptions<Batch>,
): Promise<Map<number, Record<string, number>>> {
  const { task, config, partition, logger, signal } = options;
  assert(task.evaluate, () => `task ${task.kind} has no evaluate(); evaluators need one`);
  const evaluate = task.evaluate.bind(task);
  const results = new Map<number, Record<string, number>>();
  const checkpoints = followCheckpoints(config.save_dir, {
    stopAtStep: config.num_train_steps,
    ...(options.pollSeconds === undefined ? {} : { pollSeconds: options.pollSeconds }),
    ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    ...(signal ? { signal } : {}),
  });
  for await (const ref of checkpoints) {
    if (await isEvaluated(ref.path, partition)) continue;
    const checkpoint = await loadCheckpoint(ref.path, { modelKind: task.kind });
    await task.setState(checkpoint.state, { reason: "resume", step: checkpoint.step });
    const began = performance.now();
    const budget = evalSignal(config.eval_timeout_in_s, signal);
    let metrics: Record<string, number>;
    try {
      metrics = await evaluate({
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
    results.set(checkpoint.step, metrics);
    logger?.info(`evaluation (${partition})`, { step: checkpoint.step, seconds, ...metrics });
    await options.onEval?.({ step: checkpoint.step, metrics, seconds, partition, path: ref.path });
    await markEvaluated(ref.path, partition);
  }
  return results;
}
