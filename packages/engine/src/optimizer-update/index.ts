export {
  FUSED_ACCUMULATE_KERNEL,
  FUSED_UPDATE_KERNEL,
  fusedUpdateUsesSimd,
} from "./fused-update-kernel.js";
export {
  type AccumulationTerm,
  accumulateGradients,
  applyOptimizerUpdate,
  globalNorm,
  type VariableUpdate,
} from "./optimizer-update.js";
export { adamScalars, type OptimizerAlgorithm, slotNamesOf } from "./update-algorithm.js";
