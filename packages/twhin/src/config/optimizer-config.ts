import { oneOf } from "@tml/core";
import { z } from "zod";

/** Learning-rate schedule: exactly one of the original's four forms (§2.6). */
export const learningRateSchema = z
  .strictObject({
    constant: z.number().nullish(),
    piecewise_constant: z
      .strictObject({
        learning_rate_boundaries: z.array(z.number().int()).nullish(),
        learning_rate_values: z.array(z.number()).nullish(),
      })
      .nullish(),
    linear_ramp_to_constant: z
      .strictObject({ learning_rate: z.number(), num_ramp_steps: z.number().int().positive() })
      .nullish(),
    linear_ramp_to_cosine: z
      .strictObject({
        learning_rate: z.number(),
        final_learning_rate: z.number(),
        num_ramp_steps: z.number().int().positive(),
        final_num_steps: z.number().int().positive(),
      })
      .nullish(),
  })
  .superRefine(oneOf(["constant", "piecewise_constant", "linear_ramp_to_constant", "linear_ramp_to_cosine"]));

/** A learning-rate schedule config. */
export type LearningRateConfig = z.output<typeof learningRateSchema>;

/**
 * Row-sparse optimizer algorithms. The original's keys (`sgd {lr, momentum}`, `adagrad {lr, eps}`,
 * `adam {lr, betas, eps}`) load unchanged; `rowwise` (one accumulator per row, the large-table
 * default of production recommenders) and `initial_accumulator_value` are extensions.
 */
export const optimizerConfigSchema = z
  .strictObject({
    learning_rate: learningRateSchema.nullish(),
    sgd: z.strictObject({ lr: z.number().nonnegative(), momentum: z.number().min(0).max(1).default(0) }).nullish(),
    adagrad: z
      .strictObject({
        lr: z.number().nonnegative(),
        eps: z.number().nonnegative().default(0),
        rowwise: z.boolean().default(false),
        initial_accumulator_value: z.number().nonnegative().default(0),
      })
      .nullish(),
    adam: z
      .strictObject({
        lr: z.number().nonnegative(),
        betas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.9, 0.999]),
        eps: z.number().nonnegative().default(1e-7),
      })
      .nullish(),
  })
  .superRefine(oneOf(["sgd", "adagrad", "adam"]));

/** An optimizer config (one algorithm + optional schedule). */
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;
