import { oneOf } from "@tml/core";
import { learningRateSchema } from "@tml/training";
import { z } from "zod";

/**
 * Adam hyper-parameters of the Heavy Ranker (`projects/home/recap/optimizer/config.py`); epsilon
 * defaults to 1e-7 as in TF.
 */
export const recapAdamConfigSchema = z.strictObject({
  beta_1: z.number().min(0).max(1).default(0.9),
  beta_2: z.number().min(0).max(1).default(0.999),
  epsilon: z.number().positive().default(1e-7),
});

/**
 * One learning-rate schedule per tower (keyed by the task name, dots included) plus an optional
 * schedule for everything else (the `backbone` group: featurization norms, embedding norms,
 * MaskNet, backbone MLP).
 */
export const multiTaskLearningRatesSchema = z.strictObject({
  tower_learning_rates: z.record(z.string(), learningRateSchema),
  backbone_learning_rate: learningRateSchema.nullable().default(null),
});

/**
 * The Heavy Ranker's `optimizer` section (`projects/home/recap/optimizer/config.py`): exactly one
 * of `multi_task_learning_rates` / `single_task_learning_rate` (group `lr`) and the Adam settings.
 */
export const recapOptimizerConfigSchema = z
  .strictObject({
    multi_task_learning_rates: multiTaskLearningRatesSchema.nullable().default(null),
    single_task_learning_rate: learningRateSchema.nullable().default(null),
    adam: recapAdamConfigSchema,
  })
  .superRefine(oneOf(["multi_task_learning_rates", "single_task_learning_rate"]));

/** The validated `optimizer` section. */
export type RecapOptimizerConfig = z.output<typeof recapOptimizerConfigSchema>;
/** Adam hyper-parameters. */
export type RecapAdamConfig = z.output<typeof recapAdamConfigSchema>;
