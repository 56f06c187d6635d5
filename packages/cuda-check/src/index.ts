export type { CheckId, CheckResult, CheckStatus, GpuProblem } from "./checks.js";
export { DEFAULT_LOAD_TIMEOUT_MS, type DetectGpuOptions, detectGpu } from "./detect-gpu.js";
export {
  assertGpuReady,
  GPU_NOT_READY_EXIT_CODE,
  type GpuNotReadyDetails,
  GpuNotReadyError,
} from "./errors.js";
export type { CudnnHeader, FoundLibrary, LibraryInfo, LibrarySource } from "./libraries.js";
export type { NvidiaInfo } from "./nvidia-driver.js";
export type { GpuInfo, NvidiaSmiFailure, NvidiaSmiFailureKind } from "./nvidia-smi.js";
export type { OsInfo } from "./os-probe.js";
export type { ChildLoadResult, ExecResult, Probes } from "./probes.js";
export { formatReport, type GpuReport } from "./report.js";
export {
  type RequiredLibrary,
  TFJS_NODE_GPU_BUILDS,
  type TfjsGpuBuild,
} from "./requirements.js";
export type { TfjsLoadOutcome, TfjsLoadResult, TfjsNodeGpuInfo } from "./tfjs-node-gpu.js";
export type { VulkanIcd, WebGpuAdapterListing, WebGpuInfo } from "./vulkan.js";
export {
  adapterFacts,
  describeAdapter,
  isSoftwareAdapter,
  judgeWebGpuAdapter,
  WEBGPU_ADAPTER_REQUESTS,
  WEBGPU_GPU_VENDORS,
  type WebGpuAdapterFacts,
  type WebGpuAdapterVerdict,
} from "./webgpu-adapters.js";
export type { JudgedAdapter, WebGpuReport } from "./webgpu-checks.js";
