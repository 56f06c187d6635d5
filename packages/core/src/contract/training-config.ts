import { z } from "zod";

const positiveInt = z.number().int().positive();

/** Which evaluation metric a validation monitor follows, and which direction is better. */
const monitoredMetric = {
  /** Key of the task's evaluation metrics, e.g. `auroc/label`. */
  monitor: z.string().min(1),
  /** `max`: higher is better (AUC); `min`: lower is better (a loss). */
  mode: z.enum(["max", "min"]).default("max"),
  /** An evaluation improves on the best only by more than this (FuxiCTR uses 1e-6). */
  min_delta: z.number().nonnegative().default(0),
};

/**
 * Early stopping on a validation metric: training ends after `patience` evaluations in a row
 * without improvement, and the task is left holding the weights of the best evaluation (its
 * checkpoint is kept and named in the result). Without `patience` the run never stops early but
 * still keeps, restores and names the best evaluation. Needs `eval_every_n`.
 */
export const earlyStoppingConfigSchema = z.strictObject({
  ...monitoredMetric,
  /** Evaluations without improvement before training stops (null: never stop, only keep the best). */
  patience: positiveInt.nullish(),
});

/** A validated `early_stopping` section. */
export type EarlyStoppingConfig = z.output<typeof earlyStoppingConfigSchema>;

/**
 * Reduce-learning-rate-on-plateau: after `patience` evaluations in a row without improvement the
 * learning rates of every parameter group are multiplied by `factor` (and the count restarts),
 * never below `min_learning_rate` (a schedule's own lower values are kept). FuxiCTR's default is
 * factor 0.1, patience 1, min 1e-6. Needs `eval_every_n` and a task that can scale its rates.
 */
export const reduceLrOnPlateauConfigSchema = z.strictObject({
  ...monitoredMetric,
  factor: z.number().gt(0).lt(1).default(0.1),
  patience: positiveInt.default(1),
  min_learning_rate: z.number().nonnegative().default(0),
});

/** A validated `reduce_lr_on_plateau` section. */
export type ReduceLrOnPlateauConfig = z.output<typeof reduceLrOnPlateauConfigSchema>;

/**
 * The original's `TrainingConfig` (`core/config/training.py`), strict and snake_case, plus tml-ts additions:
 * `eval_every_n` (run the task's evaluation every n steps during training) and
 * `gradient_accumulation_parity` (`original` reproduces the original's accumulation rule),
 * `early_stopping` and `reduce_lr_on_plateau` (validation monitors; the loop refuses them without
 * `eval_every_n`).
 * Steps count (micro-)batches; checkpoints are named by the number of completed steps.
 */
export const trainingConfigSchema = z.strictObject({
  /** Checkpoint directory: one sub-directory per saved step. */
  save_dir: z.string().min(1).default("/tmp/model"),
  /** Total training steps (batches); the run ends after step `num_train_steps − 1`. */
  num_train_steps: positiveInt.default(10_000),
  /** Warm start from this checkpoint (`<base>/<step>` or a save dir: its latest), at step 0. */
  initial_checkpoint_dir: z.string().min(1).nullish(),
  /** Save a checkpoint every n completed steps (independent of logging), and at the end. */
  checkpoint_every_n: positiveInt.default(1000),
  /** Keep only the newest n checkpoints (null: keep all). */
  checkpoint_max_to_keep: positiveInt.nullish(),
  /** Log loss and throughput every n steps. */
  train_log_every_n: positiveInt.default(1000),
  /** Evaluation batches per evaluation; negative = the whole evaluation set. */
  num_eval_steps: z.number().int().default(16_384),
  /** Evaluation logging cadence in evaluation batches (for evaluators). */
  eval_log_every_n: positiveInt.default(5000),
  /** Run the task's evaluation every n training steps (and at the end); null: never. */
  eval_every_n: positiveInt.nullish(),
  /** Evaluation time budget in seconds (the evaluation's AbortSignal fires after it). */
  eval_timeout_in_s: z.number().positive().default(3600),
  /** Micro-batches per optimizer update (null: 1). */
  gradient_accumulation: positiveInt.nullish(),
  /** `intended` (zero at window start, step at its end) or the original's rule. */
  gradient_accumulation_parity: z.enum(["intended", "original"]).default("intended"),
  /**
   * Passes over the training data. When set, a model that knows its data size derives
   * `num_train_steps` from it (TwHIN: epochs x edges / edges per step); null: `num_train_steps` rules.
   */
  num_epochs: positiveInt.nullish(),
  /**
   * Stop once the run's training time (wall time of the loop, evaluations and checkpoints
   * included, accumulated across resumes: the `walltimeS` of its checkpoints) reaches this many
   * seconds: evaluate, checkpoint and end as `time_limit` (null: no limit). A resumed run past it
   * trains no further; resuming with a larger value continues it.
   */
  max_train_seconds: z.number().positive().nullish(),
  /** Keep the best evaluation's weights; stop after `patience` evaluations without one (null: off). */
  early_stopping: earlyStoppingConfigSchema.nullish(),
  /** Scale the learning rates down on a validation plateau (null: off). */
  reduce_lr_on_plateau: reduceLrOnPlateauConfigSchema.nullish(),
});

/** A validated training config (output of `trainingConfigSchema`). */
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
