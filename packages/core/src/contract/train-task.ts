import type { TaskState } from "./task-state.js";

/** What one training step reports. */
export interface TrainStepOutput {
  /** Batch loss (the value the optimizer minimised, before any ÷ N for accumulation). */
  loss: number;
  /** Examples in the batch (for examples/s). */
  examples: number;
  /** Extra per-step scalars (per-task losses, learning rates…), averaged between log lines. */
  metrics?: Record<string, number>;
}

/** What the loop hands an evaluation. */
export interface EvalContext {
  /** Completed training steps at this evaluation. */
  step: number;
  /** Evaluation batches to run; undefined = the whole evaluation set. */
  maxSteps: number | undefined;
  /** Active training time in seconds at this evaluation, across resumes. */
  walltimeS: number;
  /** Fires when the evaluation time budget (`eval_timeout_in_s`) or the run is over. */
  signal: AbortSignal;
  /**
   * Reports evaluation batches done so far (call it as they finish); the caller logs progress every
   * `eval_log_every_n` batches.
   */
  progress: (batches: number) => void;
}

/** Why `setState` is called. */
export interface RestoreContext {
  /** `resume`: continue this run; `warm_start`: start a new run from another run's weights. */
  reason: "resume" | "warm_start";
  /** Step of the checkpoint being restored. */
  step: number;
}

/**
 * A trainable model as the loop sees it: one step per batch, an optional evaluation, and its full
 * state for checkpoints. The loop knows nothing else about the model.
 */
export interface TrainTask<Batch> {
  /** Model kind stored in checkpoints; loading another kind's checkpoint is an error. */
  readonly kind: string;
  /** Forward, backward and optimizer update for one batch; `step` is 0-based. */
  trainStep(batch: Batch, step: number): TrainStepOutput | Promise<TrainStepOutput>;
  /** Metrics on held-out data, e.g. `{ "auroc/fav": 0.81 }`. */
  evaluate?(context: EvalContext): Record<string, number> | Promise<Record<string, number>>;
  /** Everything needed to continue exactly here (weights, optimizer, counters, RNG). */
  getState(): TaskState | Promise<TaskState>;
  /** Restores `getState` output. */
  setState(state: TaskState, context: RestoreContext): void | Promise<void>;
  /**
   * Multiplies every learning rate by `scale` from the next step on (1 = the configured
   * schedule), but never below `floor` (a schedule's own values under `floor` are kept). The loop
   * calls it for `reduce_lr_on_plateau` and after a resume; tasks without it cannot use that.
   */
  setLearningRateScale?(scale: number, floor: number): void;
  /**
   * Scalars describing the weights as they are now, by name (layer norms
   * `model/norm/<parameter>`, embedding tables' `model/mean_row_norm/<table>` and
   * `model/max_row_norm/<table>`). The loop reads them at every log line and hands them to the
   * callbacks as `LogEvent.weights` (TensorBoard, metrics log); a task without it logs none.
   */
  weightStatistics?(): Record<string, number> | Promise<Record<string, number>>;
  /** Number of trainable parameters (logged at start). */
  parameterCount?(): number;
}
