import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type {
  EndEvent,
  Logger,
  TrainingCallbacks,
  TrainingConfig,
  TrainingStatus,
  TrainTask,
} from "@tml/core";
import { NumericError, TmlError } from "@tml/core";
import { loadCheckpoint, pruneCheckpoints, saveCheckpoint } from "./checkpoint-store.js";
import { evalProgress } from "./eval-progress.js";
import { evalSignal } from "./eval-signal.js";
import { LogWindow } from "./log-window.js";
import { restoreRun } from "./restore-run.js";
import { type BestEvaluation, ValidationMonitors } from "./validation-monitors.js";

/** Options of `runTraining`. */
export interface RunTrainingOptions<Batch> {
  task: TrainTask<Batch>;
  /** Batches from step `startStep` on (so a resumed run continues its data where it stopped). */
  data: (startStep: number) => AsyncIterable<Batch> | Iterable<Batch>;
  config: TrainingConfig;
  logger?: Logger;
  callbacks?: TrainingCallbacks | readonly TrainingCallbacks[];
  /** Aborting stops after the current step and writes a checkpoint. */
  signal?: AbortSignal;
}

/** How a run ended. */
export interface TrainingResult {
  status: Exclude<TrainingStatus, "failed">;
  /** Completed steps. */
  step: number;
  walltimeS: number;
  lastCheckpoint: string | undefined;
  /** Metrics of the last evaluation, if one ran. */
  lastEval: Record<string, number> | undefined;
  /**
   * With `early_stopping`: the best evaluation, whose checkpoint the task holds when the run ends
   * (its weights are what the caller exports and tests).
   */
  best?: BestEvaluation;
}

/**
 * A NumericError raised inside the task (e.g. its own loss check) gains the step and the last
 * checkpoint, so the message always says where to resume from.
 */
function withCheckpoint(error: unknown, step: number, checkpoint: string | undefined): unknown {
  if (!TmlError.isInstance(error, "NUMERIC") || "checkpoint" in error.details) return error;
  const where = checkpoint
    ? `The last checkpoint is ${checkpoint}`
    : "No checkpoint was written yet";
  return new NumericError(`${error.message} (training step ${step}). ${where}.`, {
    cause: error,
    details: { ...error.details, step, checkpoint },
  });
}

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

/**
 * Longest stretch of training between two turns of the event loop, ms. Synchronous steps and
 * data only ever await settled values (microtasks), so without a turn a signal handler, a timer or
 * a worker message would wait for the next checkpoint's file I/O.
 */
const EVENT_LOOP_TURN_MS = 50;

const nextEventLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function iteratorOf<T>(source: AsyncIterable<T> | Iterable<T>): AnyIterator<T> {
  return Symbol.asyncIterator in source
    ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (source as Iterable<T>)[Symbol.iterator]();
}

/**
 * The training loop (the original's `core/custom_training_loop.py` done right): resumes from `save_dir` or warm-starts, runs steps
 * `[start, num_train_steps)`, logs every `train_log_every_n` steps, evaluates every
 * `eval_every_n`, checkpoints every `checkpoint_every_n` (independently of logging) and at the
 * end or on abort, keeps the newest `checkpoint_max_to_keep`, and throws `NumericError` on a
 * non-finite loss naming the step and the last checkpoint. Validation monitors: with
 * `reduce_lr_on_plateau` it scales the task's learning rates on a plateau of the monitored metric;
 * with `early_stopping` it checkpoints every new best evaluation (kept from pruning), stops after
 * `patience` evaluations without one (never without `patience`), and ends with the best checkpoint
 * restored into the task (`bestCheckpoint(save_dir)` finds it later). With `max_train_seconds` it
 * ends as `time_limit` once the run's training time (across resumes) reaches it, evaluated and
 * checkpointed as a completed run is.
 */
export async function runTraining<Batch>(
  options: RunTrainingOptions<Batch>,
): Promise<TrainingResult> {
  const { task, config, logger, signal } = options;
  const callbacks = options.callbacks === undefined ? [] : [options.callbacks].flat();
  const emit = async <K extends keyof TrainingCallbacks>(
    name: K,
    event: Parameters<NonNullable<TrainingCallbacks[K]>>[0],
  ) => {
    for (const callback of callbacks) {
      // biome-ignore lint/suspicious/noExplicitAny: event type matches the hook by construction
      await (callback[name] as ((event: any) => unknown) | undefined)?.(event);
    }
  };
  const total = config.num_train_steps;
  const monitors = ValidationMonitors.fromConfig(config, task);
  const start = await restoreRun(task, config, logger);
  if (monitors && start.restoredFrom && start.startStep > 0) {
    monitors.setState(start.validation, start.restoredFrom);
    const scale = monitors.plateau?.state.scale ?? 1;
    if (scale !== 1) task.setLearningRateScale?.(scale, monitors.minLearningRate);
  }
  const bestOf = () => monitors?.earlyStopping?.state.best ?? undefined;
  // Ends a run whose early stopping fired with the best evaluation's weights in the task.
  const restoreBest = async () => {
    const best = bestOf();
    if (!best?.checkpoint || best.step === step) return;
    const checkpoint = await loadCheckpoint(best.checkpoint, { modelKind: task.kind });
    await task.setState(checkpoint.state, { reason: "resume", step: checkpoint.step });
    logger?.info("restored the best checkpoint", { step: best.step, path: best.checkpoint });
  };
  // A warm-start checkpoint lives elsewhere: only checkpoints of this run count as "last".
  const resumed = start.restoredFrom !== undefined && start.startStep > 0;
  let lastCheckpoint = resumed ? start.restoredFrom : undefined;
  let step = start.startStep;
  let lastEval: Record<string, number> | undefined;
  const loopStart = performance.now();
  const walltime = () => start.walltimeS + (performance.now() - loopStart) / 1000;
  const end = async (status: TrainingStatus, error?: unknown): Promise<void> => {
    const event: EndEvent = { status, step, walltimeS: walltime(), lastCheckpoint };
    await emit("onEnd", error === undefined ? event : { ...event, error });
  };

  if (start.finished || monitors?.earlyStopping?.state.stopped) {
    logger?.info("training already finished", { step, checkpoint: start.restoredFrom });
    await restoreBest();
    await end("already_finished");
    const best = bestOf();
    return {
      status: "already_finished",
      step,
      // The run's training time, from its checkpoint (as a resumed run reports it).
      walltimeS: start.walltimeS,
      lastCheckpoint,
      lastEval,
      ...(best ? { best } : {}),
    };
  }
  const parameters = task.parameterCount?.();
  logger?.info("training", {
    from_step: step,
    to_step: total,
    save_dir: config.save_dir,
    ...(parameters === undefined ? {} : { parameters }),
  });

  let savedStep = resumed ? start.startStep : -1;
  const window = new LogWindow(performance.now());
  const checkpoint = async () => {
    const began = performance.now();
    const state = await task.getState();
    const saved = await saveCheckpoint(config.save_dir, {
      modelKind: task.kind,
      step,
      walltimeS: walltime(),
      state,
      ...(monitors ? { validation: monitors.getState() } : {}),
    });
    lastCheckpoint = saved.path;
    savedStep = step;
    const best = bestOf()?.checkpoint;
    if (config.checkpoint_max_to_keep)
      await pruneCheckpoints(config.save_dir, config.checkpoint_max_to_keep, best ? [best] : []);
    const seconds = (performance.now() - began) / 1000;
    window.pause(seconds * 1000);
    logger?.info("checkpoint", { step, path: saved.path, bytes: saved.bytes, seconds });
    await emit("onCheckpoint", { step, path: saved.path, seconds, bytes: saved.bytes });
  };
  let evaluatedStep = -1;
  const evaluate = async () => {
    if (!task.evaluate) return;
    const began = performance.now();
    const budget = evalSignal(config.eval_timeout_in_s, signal);
    try {
      lastEval = await task.evaluate({
        step,
        walltimeS: walltime(),
        maxSteps: config.num_eval_steps < 0 ? undefined : config.num_eval_steps,
        signal: budget.signal,
        progress: evalProgress(logger, config.eval_log_every_n, "evaluation progress", { step }),
      });
    } finally {
      budget.release();
    }
    evaluatedStep = step;
    const seconds = (performance.now() - began) / 1000;
    window.pause(seconds * 1000);
    logger?.info("evaluation", { step, seconds, ...lastEval });
    await emit("onEval", { step, metrics: lastEval, seconds });
    if (!monitors) return;
    const outcome = monitors.observe(step, lastEval);
    if (outcome.learningRateScale !== undefined) {
      task.setLearningRateScale?.(outcome.learningRateScale, monitors.minLearningRate);
      logger?.info("learning rate scaled on a plateau", { step, scale: outcome.learningRateScale });
    }
    if (outcome.improved) {
      // The best evaluation's weights must outlive later steps: checkpoint them now (again, if a
      // checkpoint of this step exists, so that it carries the monitors' new state).
      monitors.earlyStopping?.setBestCheckpoint(join(config.save_dir, String(step)));
      await checkpoint();
    }
    stopRequested = outcome.stop;
  };
  let stopRequested = false;

  const timeLimit = config.max_train_seconds ?? Number.POSITIVE_INFINITY;
  const iterator = iteratorOf(options.data(step));
  let status: TrainingResult["status"] = "completed";
  let lastTurn = performance.now();
  try {
    while (step < total) {
      if (performance.now() - lastTurn >= EVENT_LOOP_TURN_MS) {
        await nextEventLoopTurn();
        lastTurn = performance.now();
      }
      if (signal?.aborted) {
        status = "aborted";
        break;
      }
      // A fresh run trains at least one step, so that it always has a checkpoint to end on.
      if (step > 0 && walltime() >= timeLimit) {
        status = "time_limit";
        logger?.info("training time limit reached", {
          step,
          walltime_s: walltime(),
          max_train_seconds: timeLimit,
        });
        break;
      }
      const asked = performance.now();
      const next = await iterator.next();
      window.addDataWait(performance.now() - asked);
      if (next.done) {
        status = "data_exhausted";
        logger?.warn("data ran out before num_train_steps", { step, num_train_steps: total });
        break;
      }
      const output = await task.trainStep(next.value, step);
      if (!Number.isFinite(output.loss)) {
        throw new NumericError(
          `Loss is ${output.loss} at step ${step}. ${lastCheckpoint ? `The last checkpoint is ${lastCheckpoint}` : "No checkpoint was written yet"}; lower the learning rate or enable gradient clipping, then rerun to resume from it.`,
          { details: { step, checkpoint: lastCheckpoint, loss: output.loss } },
        );
      }
      step++;
      window.add(output.loss, output.examples, output.metrics);
      const metrics = output.metrics ?? {};
      await emit("onStep", {
        step,
        loss: output.loss,
        examples: output.examples,
        metrics,
        walltimeS: walltime(),
      });
      if (step % config.train_log_every_n === 0 || step === total) {
        const rates = window.flush(performance.now());
        const reading = performance.now();
        const weights = await task.weightStatistics?.();
        window.pause(performance.now() - reading);
        const event = {
          step,
          walltimeS: walltime(),
          tensors: tf.memory().numTensors,
          ...rates,
          ...(weights ? { weights } : {}),
        };
        logger?.info("train", {
          step,
          loss: rates.loss,
          steps_per_s: rates.stepsPerSecond,
          examples_per_s: rates.examplesPerSecond,
          data_wait_fraction: rates.dataWaitFraction,
          walltime_s: event.walltimeS,
          tensors: event.tensors,
          ...rates.metrics,
        });
        await emit("onLog", event);
      }
      if (config.eval_every_n && step % config.eval_every_n === 0) await evaluate();
      if (step % config.checkpoint_every_n === 0 && savedStep !== step) await checkpoint();
      if (stopRequested) {
        status = "early_stopped";
        logger?.info("early stopping", { step, best_step: bestOf()?.step });
        break;
      }
    }
    // A run cut by the time limit is evaluated where it stopped, unless it trained nothing here.
    const cut = status === "time_limit" && step > start.startStep;
    if ((status === "completed" || cut) && config.eval_every_n && evaluatedStep !== step) {
      await evaluate();
    }
    if (savedStep !== step && step > start.startStep) await checkpoint();
    if (monitors?.earlyStopping) await restoreBest();
  } catch (caught) {
    const error = withCheckpoint(caught, step, lastCheckpoint);
    await end("failed", error);
    throw error;
  } finally {
    await iterator.return?.();
  }
  logger?.info(`training ${status.replace("_", " ")}`, { step, walltime_s: walltime() });
  await end(status);
  const best = bestOf();
  return {
    status,
    step,
    walltimeS: walltime(),
    lastCheckpoint,
    lastEval,
    ...(best ? { best } : {}),
  };
}
