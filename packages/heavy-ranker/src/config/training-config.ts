import { trainingConfigSchema } from "@tml/core";
import { z } from "zod";

/**
 * The Heavy Ranker's `training` section: core's `trainingConfigSchema` with the default of the
 * original's recap copy (`projects/home/recap/config.py`), 1,000,000 training steps. `num_epochs`
 * (core's `core/config/training.py` key, absent from the recap copy) makes the run that many passes
 * over `train_data` (`trainHeavyRanker` counts the rows).
 */
export const recapTrainingConfigSchema = trainingConfigSchema.extend({
  /** Training steps per worker. */
  num_train_steps: z.number().int().positive().default(1_000_000),
});
