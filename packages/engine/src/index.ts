export { hasCompiledProducts, hasGpuProducts } from "./compiled-products.js";
export { registerEngineKernels } from "./engine-kernels.js";
export {
  type FastKernelOptions,
  type FastKernelsInfo,
  registerFastKernels,
  restoreStockKernels,
} from "./fast-kernels.js";
export { MEAN_BCE_KERNEL, meanBceWithLogits } from "./fused/bce-with-logits-mean.js";
export { dropoutWithDraws } from "./fused/dropout.js";
export { type LinearActivation, linear } from "./fused/linear.js";
export { multiply } from "./fused/multiply.js";
export {
  type BatchMoments,
  batchNormInference,
  batchNormTrain,
  layerNorm,
  type NormalizeOptions,
  runningMoments,
} from "./fused/normalize.js";
export { signedLog1p } from "./fused/signed-log.js";
export { installTfjsResolveHook, registerGradients } from "./gradients.js";
export { type MatMulRouteCounts, matMulRouteCounts } from "./kernels/mat-mul-kernels.js";
export {
  encodeOnnxModel,
  type OnnxAttribute,
  type OnnxElementType,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValue,
} from "./onnx-graph.js";
export * from "./optimizer-update/index.js";
export {
  loadOrtRuntime,
  type OrtBuffer,
  type OrtData,
  type OrtLoadResult,
  type OrtOptimizationLevel,
  OrtRuntime,
  OrtSession,
  type OrtSessionOptions,
} from "./ort-runtime.js";
export {
  blasCandidates,
  loadPlatformBlas,
  type PlatformBlas,
  type PlatformBlasResult,
} from "./platform-blas.js";
export {
  ENGINE_CANDIDATES,
  ENGINE_DEVICES,
  type EngineAttempt,
  type EngineCandidate,
  type EngineDevice,
  type EngineInfo,
  type EngineProbes,
  type SelectEngineOptions,
  selectEngine,
} from "./select-engine.js";
export { prepareWasmBackend } from "./wasm-backend.js";
export {
  NoUsableWebGpuAdapterError,
  prepareWebGpuBackend,
  type WebGpuAdapterChoice,
  type WebGpuSelection,
  webgpuModulePath,
} from "./webgpu-backend.js";
