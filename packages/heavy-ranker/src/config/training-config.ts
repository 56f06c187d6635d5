import { trainingConfigSchema } from "@tml/core";
import { z } from "zod";

/**
 * The Heavy Ranker's `training` section: core's `trainingConfigSchema` with the default of the
 * original's recap copy (`projects/home/recap/config.py`), 1,000,000 training steps. The recap
 * copy lacks `num_epochs`; here it is accepted, and unused as in `core/config/training.py`.
 */
export const recapTrainingConfigSchema = trainingConfigSchema.extend({
  /** Training steps per worker. */
  num_train_steps: z.number().int().positive().default(1_000_000),
});
