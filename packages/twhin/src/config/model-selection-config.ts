import { z } from "zod";

/**
 * Model selection on validation data (an extension; the original trains a fixed step count): the
 * filtered validation MRR every `eval_every_n_epochs` epochs, the best-MRR checkpoint kept (in
 * `<save_dir>/<step>`, the one to evaluate and export), and optional early stopping. The
 * epoch-based form of the loop's `training.early_stopping` on `mrr` (`trainTwhin` resolves it;
 * setting both is an error).
 */
export const modelSelectionConfigSchema = z.strictObject({
  /** Validate every n epochs (and at the end). */
  eval_every_n_epochs: z.number().int().positive().default(1),
  /** Stop after this many validations in a row without a better MRR (null: never stop, keep the best). */
  patience: z.number().int().positive().nullish(),
});

/** A validated `model_selection` section. */
export type ModelSelectionConfig = z.output<typeof modelSelectionConfigSchema>;
