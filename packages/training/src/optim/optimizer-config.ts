import { oneOf } from "@tml/core";
import type { OptimizerAlgorithm } from "@tml/engine";
import { z } from "zod";

export type { OptimizerAlgorithm };

import { type LearningRateConfig, learningRateSchema } from "./learning-rate.js";

const rate = z.number().nonnegative();
const decay = z.number().min(0).lt(1);

/** `adam`: PyTorch Adam. `lr` is used only when no `learning_rate` schedule is configured. */
export const adamConfigSchema = z.strictObject({
  lr: rate,
  betas: z.tuple([decay, decay]).default([0.9, 0.999]),
  eps: z.number().nonnegative().default(1e-7),
});

/** `sgd`: SGD with (heavy-ball) momentum, PyTorch semantics. */
export const sgdConfigSchema = z.strictObject({
  lr: rate,
  momentum: z.number().min(0).default(0),
});

/** `adagrad`: PyTorch Adagrad (initial accumulator 0, no learning-rate decay). */
export const adagradConfigSchema = z.strictObject({
  lr: rate,
  eps: z.number().nonnegative().default(0),
});

/**
 * The original's `OptimizerConfig`: an optional `learning_rate` schedule and exactly one of `adam`,
 * `sgd`, `adagrad`.
 */
export const optimizerConfigSchema = z
  .strictObject({
    learning_rate: learningRateSchema.nullish(),
    adam: adamConfigSchema.nullish(),
    sgd: sgdConfigSchema.nullish(),
    adagrad: adagradConfigSchema.nullish(),
  })
  .superRefine(oneOf(["adam", "sgd", "adagrad"]));

/** A validated optimizer config (output of `optimizerConfigSchema`). */
export type OptimizerConfig = z.output<typeof optimizerConfigSchema>;

/** The update rule an `OptimizerConfig` selects. */
export function optimizerAlgorithmFromConfig(config: OptimizerConfig): OptimizerAlgorithm {
  if (config.adam) {
    const [beta1, beta2] = config.adam.betas;
    return { kind: "adam", beta1, beta2, epsilon: config.adam.eps };
  }
  if (config.sgd) return { kind: "sgd", momentum: config.sgd.momentum };
  if (config.adagrad) return { kind: "adagrad", epsilon: config.adagrad.eps };
  throw new Error("optimizerAlgorithmFromConfig: config was not validated");
}

/** The schedule of an `OptimizerConfig`: its `learning_rate`, else a constant at the rule's `lr`. */
export function learningRateFromConfig(config: OptimizerConfig): LearningRateConfig {
  if (config.learning_rate) return config.learning_rate;
  const algorithm = config.adam ?? config.sgd ?? config.adagrad;
  if (!algorithm) throw new Error("learningRateFromConfig: config was not validated");
  return { constant: algorithm.lr };
}
