export {
  FUSED_ACCUMULATE_KERNEL,
  FUSED_UPDATE_BACKENDS,
  FUSED_UPDATE_KERNEL,
  type FusedAccumulateAttrs,
  type FusedUpdateAttrs,
  fusedUpdateUsesSimd,
  registerFusedUpdateKernel,
  sumOfSquares,
} from "./fused-update-kernel.js";
export {
  adamScalars,
  type HostUpdateRule,
  hostUpdateRuleFor,
  type OptimizerAlgorithm,
} from "./host-update-rules.js";
