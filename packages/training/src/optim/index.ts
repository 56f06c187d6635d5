export { createDenseOptimizer } from "./create-optimizer.js";
export {
  DenseOptimizer,
  type DenseOptimizerOptions,
  type GradientMap,
  type OptimizerStateJson,
  type OptimizerStepResult,
  type ParameterGroup,
} from "./dense-optimizer.js";
export {
  type AccumulationAction,
  type AccumulationParity,
  accumulationAction,
  type GradientAccumulationOptions,
} from "./gradient-accumulation.js";
export {
  computeLearningRate,
  type LearningRateConfig,
  learningRateSchema,
  linearRampToConstantSchema,
  linearRampToCosineSchema,
  piecewiseConstantSchema,
  scaledLearningRate,
} from "./learning-rate.js";
export {
  adagradConfigSchema,
  adamConfigSchema,
  learningRateFromConfig,
  type OptimizerAlgorithm,
  type OptimizerConfig,
  optimizerAlgorithmFromConfig,
  optimizerConfigSchema,
  sgdConfigSchema,
} from "./optimizer-config.js";
