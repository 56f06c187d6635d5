import type { Logger, TrainingConfig, TrainTask } from "@tml/core";
import {
  latestCheckpoint,
  loadCheckpoint,
  removePartialCheckpoints,
  resolveCheckpoint,
} from "./checkpoint-store.js";

/** Where a run starts. */
export interface RunStart {
  /** First step to run (0-based) = completed steps so far. */
  startStep: number;
  /** Walltime already spent in earlier sessions, seconds. */
  walltimeS: number;
  /** The checkpoint restored (resume or warm start), if any. */
  restoredFrom: string | undefined;
  /** True when `save_dir` already holds a checkpoint at or past `num_train_steps` (its state is restored). */
  finished: boolean;
  /** The validation-monitor state saved with the resumed checkpoint, if any. */
  validation?: unknown;
}

/**
 * Resumes from the newest complete checkpoint in `save_dir` (all task state, step and walltime),
 * else warm-starts from `initial_checkpoint_dir` at step 0, else starts fresh.
 */
export async function restoreRun<Batch>(
  task: TrainTask<Batch>,
  config: TrainingConfig,
  logger: Logger | undefined,
): Promise<RunStart> {
  const partial = await removePartialCheckpoints(config.save_dir);
  if (partial.length > 0) logger?.warn("removed half-written checkpoints", { paths: partial });
  const latest = await latestCheckpoint(config.save_dir);
  if (latest) {
    // A finished run is restored too: the caller gets the trained model, not a fresh one.
    const checkpoint = await loadCheckpoint(latest.path, { modelKind: task.kind });
    await task.setState(checkpoint.state, { reason: "resume", step: checkpoint.step });
    const finished = checkpoint.step >= config.num_train_steps;
    if (!finished)
      logger?.info("resumed from checkpoint", { path: latest.path, step: checkpoint.step });
    return {
      startStep: checkpoint.step,
      walltimeS: checkpoint.walltimeS,
      restoredFrom: latest.path,
      finished,
      ...(checkpoint.validation === undefined ? {} : { validation: checkpoint.validation }),
    };
  }
  if (config.initial_checkpoint_dir) {
    const path = await resolveCheckpoint(config.initial_checkpoint_dir);
    const checkpoint = await loadCheckpoint(path, { modelKind: task.kind });
    await task.setState(checkpoint.state, { reason: "warm_start", step: checkpoint.step });
    logger?.info("warm-started from checkpoint", { path, step: checkpoint.step });
    return { startStep: 0, walltimeS: 0, restoredFrom: path, finished: false };
  }
  return { startStep: 0, walltimeS: 0, restoredFrom: undefined, finished: false };
}
