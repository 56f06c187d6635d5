import { getKernel, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";
import { getFlag } from "@tml/core";
import { identityConfig } from "./kernels/identity.js";
import { leadingReduceConfigs } from "./kernels/leading-reduce.js";
import { matMulKernelConfigs } from "./kernels/mat-mul-kernels.js";
import { splitVConfig } from "./kernels/split-v.js";
import { capturedStockKernels, captureStockKernel } from "./kernels/stock-kernels.js";
import { tileConfig } from "./kernels/tile.js";
import { unsortedSegmentSumConfig } from "./kernels/unsorted-segment-sum.js";
import { loadOrtRuntime, type OrtRuntime } from "./ort-runtime.js";
import { loadPlatformBlas, type PlatformBlas } from "./platform-blas.js";

/** Options of `registerFastKernels`. */
export interface FastKernelOptions {
  /** Route large matrix products through onnxruntime-node (default true). */
  onnxruntime?: boolean;
  /**
   * Route products without a fused activation through the platform BLAS when it loads (default:
   * the `TML_PLATFORM_BLAS` flag, on).
   */
  platformBlas?: boolean;
  /** onnxruntime intra-op threads (default: the `TML_ENGINE_THREADS` flag, all usable cores). */
  threads?: number;
  /** Products under this many flops stay on XNNPACK (default 65 536: ORT's call costs ~20 µs). */
  minOrtFlops?: number;
  /**
   * Products under this many flops run on one thread when `threads` > 1 (default 2^23, ~8 MFLOP:
   * below it waking the pool costs more than it saves).
   */
  minParallelFlops?: number;
}

/** What `registerFastKernels` installed on the wasm backend. */
export interface FastKernelsInfo {
  /** Where float32 matrix products run: onnxruntime's sgemm or wasm's XNNPACK. */
  matMul: "onnxruntime" | "xnnpack";
  /** One sentence: why this route (onnxruntime version, or why it could not load). */
  reason: string;
  /** Kernels replaced or added on the wasm backend. */
  kernels: string[];
  /** onnxruntime-node's version when it is used. */
  onnxruntimeVersion?: string;
  /** onnxruntime intra-op threads when it is used. */
  threads?: number;
  /** The platform BLAS library that runs products without a fused activation, when one loaded. */
  blas?: string;
}

const DEFAULT_MIN_ORT_FLOPS = 65_536;
const DEFAULT_MIN_PARALLEL_FLOPS = 1 << 23;

let activeRuntime: OrtRuntime | undefined;
let serialRuntime: OrtRuntime | undefined;

/**
 * Replaces the wasm backend's BatchMatMul and _FusedMatMul with kernels that run on
 * onnxruntime-node's native sgemm (inputs and outputs stay on the wasm heap; transposes, bias and
 * activation fused) or, when onnxruntime cannot load, on XNNPACK after an explicit transpose; and
 * adds UnsortedSegmentSum. Call before or after the wasm backend initialises; calling again
 * replaces the previous registration. Never throws for a missing onnxruntime: `matMul` and
 * `reason` say what happened.
 */
export function registerFastKernels(options: FastKernelOptions = {}): FastKernelsInfo {
  const threads = options.threads ?? getFlag("TML_ENGINE_THREADS");
  let reason: string;
  activeRuntime?.dispose();
  activeRuntime = undefined;
  serialRuntime?.dispose();
  serialRuntime = undefined;
  if (options.onnxruntime === false) {
    reason = "onnxruntime disabled by option; matrix products use XNNPACK with explicit transposes";
  } else {
    const loaded = loadOrtRuntime(threads);
    if (loaded.ok) {
      activeRuntime = loaded.runtime;
      if (threads > 1) {
        const serial = loadOrtRuntime(1);
        if (serial.ok) serialRuntime = serial.runtime;
      }
      reason = `onnxruntime-node ${loaded.runtime.version} loaded (native sgemm, ${threads} thread${threads === 1 ? "" : "s"})`;
    } else {
      reason = `onnxruntime-node unavailable (${loaded.reason}); matrix products use XNNPACK with explicit transposes`;
    }
  }
  let blas: PlatformBlas | undefined;
  if (options.platformBlas !== false && options.onnxruntime !== false) {
    const loaded = loadPlatformBlas(threads);
    if (loaded.ok) {
      blas = loaded.blas;
      reason += `; products without a fused activation on ${blas.library} (${threads} thread${threads === 1 ? "" : "s"})`;
    } else {
      reason += `; no platform BLAS (${loaded.reason})`;
    }
  }
  const configs = [
    ...matMulKernelConfigs({
      runtime: activeRuntime,
      blas,
      serialRuntime,
      blasThreads: threads,
      minParallelFlops: options.minParallelFlops ?? DEFAULT_MIN_PARALLEL_FLOPS,
      minOrtFlops: options.minOrtFlops ?? DEFAULT_MIN_ORT_FLOPS,
    }),
    unsortedSegmentSumConfig,
    tileConfig,
    identityConfig,
    splitVConfig,
    ...leadingReduceConfigs,
  ];
  for (const config of configs) {
    captureStockKernel(config.kernelName);
    const stock = capturedStockKernels().get(config.kernelName);
    if (getKernel(config.kernelName, "wasm") !== undefined) {
      unregisterKernel(config.kernelName, "wasm");
    }
    // The stock kernel's setup binds its wasm function; fallbacks to it need that binding.
    registerKernel({
      ...config,
      ...(stock?.setupFunc === undefined ? {} : { setupFunc: stock.setupFunc }),
      ...(stock?.disposeFunc === undefined ? {} : { disposeFunc: stock.disposeFunc }),
    });
  }
  const info: FastKernelsInfo = {
    matMul: activeRuntime === undefined ? "xnnpack" : "onnxruntime",
    reason,
    kernels: configs.map((config) => config.kernelName),
  };
  if (activeRuntime !== undefined) {
    info.onnxruntimeVersion = activeRuntime.version;
    info.threads = threads;
  }
  if (blas !== undefined) info.blas = blas.library;
  return info;
}

/** Puts the wasm backend's own kernels back (for comparisons); releases onnxruntime sessions. */
export function restoreStockKernels(): void {
  for (const [kernelName, config] of capturedStockKernels()) {
    if (getKernel(kernelName, "wasm") !== undefined) unregisterKernel(kernelName, "wasm");
    if (config !== null) registerKernel(config);
  }
  activeRuntime?.dispose();
  activeRuntime = undefined;
  serialRuntime?.dispose();
  serialRuntime = undefined;
}
