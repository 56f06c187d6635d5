import { z } from "zod";

const positiveInt = z.number().int().positive();

/**
 * The original's `TrainingConfig` (`core/config/training.py`), strict and snake_case, plus tml-ts additions:
 * `eval_every_n` (run the task's evaluation every n steps during training) and
 * `gradient_accumulation_parity` (`original` reproduces the original's accumulation rule).
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
});

/** A validated training config (output of `trainingConfigSchema`). */
export type TrainingConfig = z.output<typeof trainingConfigSchema>;
