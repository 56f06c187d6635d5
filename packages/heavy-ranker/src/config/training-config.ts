import { atMostOneOf } from "@tml/core";
import { z } from "zod";

/**
 * The Heavy Ranker's `training` section (the recap copy of TrainingConfig, spec §3.4.1): the
 * core fields with `num_train_steps` defaulting to 1,000,000 and no `num_epochs`.
 */
export const recapTrainingConfigSchema = z
  .strictObject({
    /** Checkpoint directory. */
    save_dir: z.string().default("/tmp/model"),
    /** Training steps per worker. */
    num_train_steps: z.number().int().positive().default(1_000_000),
    /** Warm-start checkpoint directory (group at_most_one_of `initialization`). */
    initial_checkpoint_dir: z.string().nullable().default(null),
    /** Steps between checkpoints. */
    checkpoint_every_n: z.number().int().positive().default(1000),
    /** Checkpoints to keep; null keeps all. */
    checkpoint_max_to_keep: z.number().int().positive().nullable().default(null),
    /** Steps between training log lines. */
    train_log_every_n: z.number().int().positive().default(1000),
    /** Evaluation steps per evaluation; negative means the whole dataset. */
    num_eval_steps: z.number().int().default(16384),
    /** Steps between evaluation log lines. */
    eval_log_every_n: z.number().int().positive().default(5000),
    /** Seconds an evaluator waits for a new checkpoint. */
    eval_timeout_in_s: z.number().positive().default(3600),
    /** Micro-batches accumulated per optimizer step; null means none. */
    gradient_accumulation: z.number().int().nullable().default(null),
  })
  .superRefine(atMostOneOf(["initial_checkpoint_dir"]));

/** The validated recap `training` section. */
export type RecapTrainingConfig = z.output<typeof recapTrainingConfigSchema>;
