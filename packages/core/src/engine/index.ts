export {
  type FastKernelOptions,
  type FastKernelsInfo,
  registerFastKernels,
  restoreStockKernels,
} from "./fast-kernels.js";
export { installTfjsResolveHook, registerGradients } from "./gradients.js";
export { type MatMulRouteCounts, matMulRouteCounts } from "./kernels/mat-mul-kernels.js";
export {
  ENGINE_CANDIDATES,
  type EngineAttempt,
  type EngineCandidate,
  type EngineDevice,
  type EngineInfo,
  type EngineProbes,
  type SelectEngineOptions,
  selectEngine,
} from "./select-engine.js";
export { prepareWasmBackend } from "./wasm-backend.js";
