import { trainingConfigSchema } from "@tml/core";
import { z } from "zod";

/**
 * The Heavy Ranker's `training` section: core's `trainingConfigSchema` with the default of the
 * original's recap copy (`projects/home/recap/config.py`), 1,000,000 training steps, without
 * `num_epochs`, which the recap copy lacks and no Heavy Ranker code reads: the strict schema
 * rejects it with its path instead of accepting and ignoring it.
 */
export const recapTrainingConfigSchema = trainingConfigSchema.omit({ num_epochs: true }).extend({
  /** Training steps per worker. */
  num_train_steps: z.number().int().positive().default(1_000_000),
});
