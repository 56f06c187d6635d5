import { oneOf } from "@tml/core";
import {
  adagradConfigSchema,
  adamConfigSchema,
  computeLearningRate,
  learningRateFromConfig,
  learningRateSchema,
  sgdConfigSchema,
} from "@tml/training";
import { z } from "zod";

/**
 * Optimizer of an embedding table or of the relation operators: training's `OptimizerConfig` (the
 * original's keys load unchanged) with two row-sparse extensions on `adagrad`: `rowwise` (one
 * accumulator per row, the large-table choice) and `initial_accumulator_value`.
 */
export const tableOptimizerConfigSchema = z
  .strictObject({
    learning_rate: learningRateSchema.nullish(),
    sgd: sgdConfigSchema.nullish(),
    adagrad: adagradConfigSchema
      .extend({
        rowwise: z.boolean().default(false),
        initial_accumulator_value: z.number().nonnegative().default(0),
      })
      .nullish(),
    adam: adamConfigSchema.nullish(),
  })
  .superRefine(oneOf(["sgd", "adagrad", "adam"]));

/** A validated table/operator optimizer config. */
export type TableOptimizerConfig = z.output<typeof tableOptimizerConfigSchema>;

/** The learning rate of an optimizer config at `step` (its schedule, else its constant `lr`). */
export function learningRateAt(config: TableOptimizerConfig, step: number): number {
  return computeLearningRate(learningRateFromConfig(config), step);
}
