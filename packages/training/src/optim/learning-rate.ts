import { oneOf } from "@tml/core";
import { z } from "zod";

/** `piecewise_constant`: `values[k]`, k = number of boundaries ≤ step. */
export const piecewiseConstantSchema = z
  .strictObject({
    learning_rate_boundaries: z.array(z.number().int().nonnegative()).nullish(),
    learning_rate_values: z.array(z.number().nonnegative()).nullish(),
  })
  .superRefine((value, context) => {
    const boundaries = value.learning_rate_boundaries ?? [];
    const values = value.learning_rate_values ?? [];
    if (values.length !== boundaries.length + 1) {
      context.addIssue({
        code: "custom",
        path: ["learning_rate_values"],
        message: `needs one more entry than learning_rate_boundaries (${boundaries.length} boundaries, ${values.length} values).`,
      });
    }
    for (let i = 1; i < boundaries.length; i++) {
      if (boundaries[i]! <= boundaries[i - 1]!) {
        context.addIssue({
          code: "custom",
          path: ["learning_rate_boundaries", i],
          message: "boundaries must be strictly increasing.",
        });
      }
    }
  });

/** `linear_ramp_to_constant`: `min(learning_rate, learning_rate × step / num_ramp_steps)`. */
export const linearRampToConstantSchema = z.strictObject({
  learning_rate: z.number().nonnegative(),
  num_ramp_steps: z.number().int().positive(),
});

/** `linear_ramp_to_cosine`: linear ramp, then half a cosine down to `final_learning_rate`. */
export const linearRampToCosineSchema = z
  .strictObject({
    learning_rate: z.number().nonnegative(),
    final_learning_rate: z.number().nonnegative(),
    num_ramp_steps: z.number().int().positive(),
    final_num_steps: z.number().int().positive(),
  })
  .superRefine((value, context) => {
    if (value.final_num_steps <= value.num_ramp_steps) {
      context.addIssue({
        code: "custom",
        path: ["final_num_steps"],
        message: `must be greater than num_ramp_steps (${value.num_ramp_steps}).`,
      });
    }
  });

/**
 * A learning-rate schedule as in the original's `LearningRate` config: exactly one of `constant`,
 * `piecewise_constant`, `linear_ramp_to_constant`, `linear_ramp_to_cosine`.
 */
export const learningRateSchema = z
  .strictObject({
    constant: z.number().nonnegative().nullish(),
    piecewise_constant: piecewiseConstantSchema.nullish(),
    linear_ramp_to_constant: linearRampToConstantSchema.nullish(),
    linear_ramp_to_cosine: linearRampToCosineSchema.nullish(),
  })
  .superRefine(
    oneOf(["constant", "piecewise_constant", "linear_ramp_to_constant", "linear_ramp_to_cosine"]),
  );

/** A validated learning-rate schedule (output of `learningRateSchema`). */
export type LearningRateConfig = z.output<typeof learningRateSchema>;

/**
 * The learning rate at training step `step` (0-based; the first update uses step 0), exactly as the
 * original's `compute_lr`. Linear ramps start at 0, so step 0 trains with learning rate 0.
 */
export function computeLearningRate(config: LearningRateConfig, step: number): number {
  if (config.constant !== null && config.constant !== undefined) return config.constant;
  const piecewise = config.piecewise_constant;
  if (piecewise) {
    const boundaries = piecewise.learning_rate_boundaries ?? [];
    let index = 0;
    while (index < boundaries.length && boundaries[index]! <= step) index++;
    return piecewise.learning_rate_values![index]!;
  }
  const ramp = config.linear_ramp_to_constant;
  if (ramp) {
    return Math.min(ramp.learning_rate, (ramp.learning_rate / ramp.num_ramp_steps) * step);
  }
  const cosine = config.linear_ramp_to_cosine;
  if (cosine) {
    const { learning_rate: peak, final_learning_rate: final } = cosine;
    if (step < cosine.num_ramp_steps) return (peak * step) / cosine.num_ramp_steps;
    if (step > cosine.final_num_steps) return final;
    const progress =
      (step - cosine.num_ramp_steps) / (cosine.final_num_steps - cosine.num_ramp_steps);
    return final + (peak - final) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  throw new Error("computeLearningRate: config was not validated by learningRateSchema");
}

/**
 * A scheduled rate under reduce-on-plateau's `scale` (the training loop's
 * `reduce_lr_on_plateau`): `rate · scale`, never below `floor`, and never above `rate` itself (a
 * schedule already under the floor is kept). Shared by every optimizer that takes the scale.
 */
export function scaledLearningRate(rate: number, scale: number, floor: number): number {
  return scale === 1 ? rate : Math.min(rate, Math.max(rate * scale, floor));
}
