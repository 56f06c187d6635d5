import type * as tf from "@tensorflow/tfjs-core";
import { DenseOptimizer, type DenseOptimizerOptions } from "./dense-optimizer.js";
import {
  learningRateFromConfig,
  type OptimizerConfig,
  optimizerAlgorithmFromConfig,
} from "./optimizer-config.js";

/**
 * A `DenseOptimizer` from the original's `OptimizerConfig` (e.g. TwHIN's
 * `translation_optimizer`): its algorithm, and its `learning_rate` schedule (or a constant at the
 * algorithm's `lr`) for every group. Groups are `{ name: variables }`.
 */
export function createDenseOptimizer(
  config: OptimizerConfig,
  groups: Readonly<Record<string, readonly tf.Variable[]>>,
  options: Omit<DenseOptimizerOptions, "algorithm" | "groups"> = {},
): DenseOptimizer {
  const learningRate = learningRateFromConfig(config);
  return new DenseOptimizer({
    ...options,
    algorithm: optimizerAlgorithmFromConfig(config),
    groups: Object.entries(groups).map(([name, variables]) => ({ name, variables, learningRate })),
  });
}
