import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { BackendError, createLogger, getFlag, type Logger, unknownFlagVariables } from "@tml/core";
import {
  assertGpuReady,
  describeAdapter,
  detectGpu,
  GpuNotReadyError,
  type GpuReport,
  type WebGpuAdapterFacts,
} from "@tml/cuda-check";
import { registerEngineKernels } from "./engine-kernels.js";
import {
  type FastKernelOptions,
  type FastKernelsInfo,
  registerFastKernels,
} from "./fast-kernels.js";
import { registerGradients } from "./gradients.js";
import { prepareWasmBackend } from "./wasm-backend.js";
import {
  NoUsableWebGpuAdapterError,
  prepareWebGpuBackend,
  type WebGpuSelection,
  webgpuModulePath,
} from "./webgpu-backend.js";

/**
 * Engines selectEngine can pick, fastest first (what `auto` tries, in this order). Code that reads
 * tensors on the training paths reads them with `await tensor.data()`: tfjs's webgpu backend has no
 * synchronous read in Node (its readSync draws through an OffscreenCanvas).
 */
export const ENGINE_CANDIDATES = ["tfjs-node-gpu", "webgpu", "tfjs-node", "wasm", "js"] as const;

/**
 * An engine: `tfjs-node-gpu` (TensorFlow C library on CUDA), `webgpu` (tfjs's WebGPU backend on
 * Dawn over Vulkan), `tfjs-node` (TensorFlow C library on CPU), `wasm` (tfjs wasm backend with XNNPACK, matrix products on onnxruntime's sgemm), `js`
 * (tfjs's pure-JavaScript cpu backend, ~1 GFLOP/s).
 */
export type EngineCandidate = (typeof ENGINE_CANDIDATES)[number];

/** What to run on: `auto` (best available), `cpu` (best without GPU), `gpu` (or fail), or one engine. */
export type EngineDevice = "auto" | "cpu" | "gpu" | EngineCandidate;

/** Every value `selectEngine`'s `device` accepts (what a CLI's `--device` may say). */
export const ENGINE_DEVICES: readonly string[] = ["auto", "cpu", "gpu", ...ENGINE_CANDIDATES];

/** One engine tried during selection and why it was taken or passed over. */
export interface EngineAttempt {
  candidate: EngineCandidate;
  ok: boolean;
  reason: string;
}

/** The engine tfjs now runs on. */
export interface EngineInfo {
  /** tfjs backend name (`tf.getBackend()`): "tensorflow", "webgpu", "wasm" or "cpu". */
  backend: string;
  /** The engine chosen. */
  candidate: EngineCandidate;
  /** Human name for logs and reports: "wasm+onnxruntime", "tfjs-node-gpu", "js"… */
  label: string;
  /** One sentence: why this engine. */
  reason: string;
  /** The device that was asked for. */
  device: EngineDevice;
  /** True when tensors live on a GPU. */
  accelerated: boolean;
  /** Every engine tried, in order. */
  attempts: EngineAttempt[];
  /** Kernels installed on the wasm backend (wasm only). */
  kernels?: FastKernelsInfo;
  /**
   * Threads this process computes on: the `TML_ENGINE_THREADS` flag (`--threads`; default the
   * cores it may use). onnxruntime's intra-op pools and TwHIN's Hogwild workers use this many.
   */
  threads: number;
}

/** The machine-facing steps of selection; tests replace them to describe other machines. */
export interface EngineProbes {
  /**
   * GPU readiness (cuda-check's detectGpu, without its child-process checks); `webgpuAdapters`
   * are the adapters this process already listed.
   */
  detectGpu(webgpuAdapters?: WebGpuAdapterFacts[]): GpuReport;
  /** Whether the loaded TensorFlow backend placed its devices on a GPU (tfjs-node's own flag). */
  usingGpuDevice(): boolean;
  /** Registers tfjs's webgpu backend on the first usable adapter (see prepareWebGpuBackend). */
  prepareWebGpu(allowSoftware: boolean): Promise<WebGpuSelection>;
  /** Loads an optional package (tfjs-node, tfjs-node-gpu); throws when it is absent or broken. */
  loadPackage(name: string): unknown;
  /** Switches tfjs to a registered backend and waits for it; throws when it fails to start. */
  setBackend(name: string): Promise<void>;
}

/** Options of selectEngine. */
export interface SelectEngineOptions {
  /** Default "auto". */
  device?: EngineDevice | string;
  logger?: Logger;
  probes?: Partial<EngineProbes>;
  /** Options of the wasm fast kernels, or false for the stock wasm kernels. */
  fastKernels?: FastKernelOptions | false;
  /** Register tfjs's gradient functions (default true; training needs them). */
  gradients?: boolean;
}

const realProbes: EngineProbes = {
  detectGpu(webgpuAdapters) {
    const webgpuModule = webgpuModulePath();
    return detectGpu({
      checkLoad: false,
      ...(webgpuModule === undefined ? {} : { webgpuModule }),
      ...(webgpuAdapters === undefined ? {} : { webgpuAdapters }),
    });
  },
  usingGpuDevice: () => (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true,
  prepareWebGpu: prepareWebGpuBackend,
  loadPackage: (name) => createRequire(import.meta.url)(name),
  async setBackend(name) {
    if (!(await tf.setBackend(name)))
      throw new Error(`tfjs could not initialise backend "${name}"`);
    await tf.ready();
  },
};

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

interface Trial {
  backend: string;
  label: string;
  reason: string;
  accelerated: boolean;
  kernels?: FastKernelsInfo;
}

async function tryCandidate(
  candidate: EngineCandidate,
  strict: boolean,
  probes: EngineProbes,
  fastKernels: FastKernelOptions | false,
): Promise<Trial> {
  switch (candidate) {
    case "tfjs-node-gpu": {
      const report = probes.detectGpu();
      if (strict) assertGpuReady(report);
      if (!report.ready) {
        const first = report.problems[0];
        throw new Error(
          `GPU not ready: ${first ? `${first.requirement} (found: ${first.found})` : "see cuda-check"}`,
        );
      }
      await loadTensorflow("@tensorflow/tfjs-node-gpu", probes);
      // libtensorflow falls back to the CPU without an error when a CUDA library is missing.
      if (!probes.usingGpuDevice()) {
        throw new Error(
          "tfjs-node-gpu loaded but TensorFlow placed no device on the GPU (silent CPU fallback; run cuda-check)",
        );
      }
      return {
        backend: "tensorflow",
        label: "tfjs-node-gpu",
        reason: "NVIDIA GPU ready and @tensorflow/tfjs-node-gpu loaded",
        accelerated: true,
      };
    }
    case "webgpu": {
      const { chosen, considered } = await probes.prepareWebGpu(
        getFlag("TML_WEBGPU_ALLOW_SOFTWARE"),
      );
      await probes.setBackend("webgpu");
      const passedOver = considered
        .filter((entry) => entry.adapter !== chosen.adapter)
        .map((entry) => `${describeAdapter(entry.adapter)}: ${entry.verdict.reason}`);
      return {
        backend: "webgpu",
        label: chosen.verdict.software ? "webgpu (software)" : "webgpu",
        reason: `WebGPU on ${describeAdapter(chosen.adapter)} (${chosen.verdict.reason})${
          passedOver.length > 0 ? `; passed over: ${passedOver.join("; ")}` : ""
        }`,
        accelerated: !chosen.verdict.software,
      };
    }
    case "tfjs-node":
      await loadTensorflow("@tensorflow/tfjs-node", probes);
      return {
        backend: "tensorflow",
        label: "tfjs-node",
        reason: "@tensorflow/tfjs-node loaded (TensorFlow C library on CPU)",
        accelerated: false,
      };
    case "wasm": {
      await prepareWasmBackend();
      const kernels = fastKernels === false ? undefined : registerFastKernels(fastKernels);
      await probes.setBackend("wasm");
      if (kernels === undefined) {
        return {
          backend: "wasm",
          label: "wasm",
          reason: "stock wasm kernels (XNNPACK) as asked",
          accelerated: false,
        };
      }
      const label = kernels.matMul === "onnxruntime" ? "wasm+onnxruntime" : "wasm+xnnpack";
      return {
        backend: "wasm",
        label,
        reason: `wasm backend (SIMD); ${kernels.reason}`,
        accelerated: false,
        kernels,
      };
    }
    case "js":
      await probes.setBackend("cpu");
      return {
        backend: "cpu",
        label: "js",
        reason: "pure-JavaScript cpu backend (slow: ~1 GFLOP/s)",
        accelerated: false,
      };
  }
}

async function loadTensorflow(name: string, probes: EngineProbes): Promise<void> {
  await probes.loadPackage(name);
  await probes.setBackend("tensorflow");
}

function plan(device: EngineDevice): { candidates: readonly EngineCandidate[]; strict: boolean } {
  switch (device) {
    case "auto":
      return { candidates: ENGINE_CANDIDATES, strict: false };
    case "cpu":
      return { candidates: ["tfjs-node", "wasm", "js"], strict: false };
    case "gpu":
      // When neither starts, GpuNotReadyError carries the report (CUDA's side and WebGPU's).
      return { candidates: ["tfjs-node-gpu", "webgpu"], strict: false };
    default:
      return { candidates: [device], strict: true };
  }
}

// TML_ENGINE_THREADS sets onnxruntime's intra-op threads when the caller did not (default 1).
function fastKernelOptions(
  requested: FastKernelOptions | false | undefined,
): FastKernelOptions | false {
  if (requested === false) return false;
  return { ...requested, threads: requested?.threads ?? getFlag("TML_ENGINE_THREADS") };
}

/**
 * Picks and initialises the tfjs backend. `auto` tries tfjs-node-gpu (only when cuda-check says
 * CUDA and cuDNN are ready, and only if TensorFlow then really places a device on the GPU), then
 * WebGPU on the first GPU adapter Dawn offers (an NVIDIA or AMD Vulkan device; a software adapter
 * such as lavapipe only with TML_WEBGPU_ALLOW_SOFTWARE), then tfjs-node, wasm with fast kernels,
 * pure JS, and never fails for lack of a GPU; `cpu` skips the GPUs; `gpu` tries tfjs-node-gpu then
 * WebGPU and throws cuda-check's GpuNotReadyError (code GPU_NOT_READY, exit 8) with its report
 * (CUDA's path and WebGPU's adapters) when neither starts; a named engine is used or a
 * BackendError says why not. The WebGPU choice is logged with the adapters passed over and why.
 * Any error while loading an optional package means it is absent: one log line, next candidate.
 * Registers tfjs's cpu backend (the fallback every engine keeps), the engine's own kernels and,
 * unless `gradients: false`, tfjs's gradients; logs `TML_*` variables no flag declares.
 */
export async function selectEngine(options: SelectEngineOptions = {}): Promise<EngineInfo> {
  const device = options.device ?? "auto";
  if (!ENGINE_DEVICES.includes(device)) {
    throw new BackendError(
      `Unknown device or backend "${device}"; use one of: ${ENGINE_DEVICES.join(", ")}.`,
      {
        details: { device, valid: ENGINE_DEVICES },
      },
    );
  }
  const logger = options.logger ?? createLogger({ name: "engine" });
  const probes: EngineProbes = { ...realProbes, ...options.probes };
  const { candidates, strict } = plan(device as EngineDevice);
  const unknown = unknownFlagVariables();
  if (unknown.length > 0) {
    logger.info(`engine: TML_ variables that no flag declares (ignored): ${unknown.join(", ")}`);
  }
  await import("@tensorflow/tfjs-backend-cpu");
  registerEngineKernels();
  if (options.gradients !== false) await registerGradients();
  const attempts: EngineAttempt[] = [];
  let webgpuAdapters: WebGpuAdapterFacts[] | undefined;
  for (const candidate of candidates) {
    try {
      const trial = await tryCandidate(
        candidate,
        strict,
        probes,
        fastKernelOptions(options.fastKernels),
      );
      attempts.push({ candidate, ok: true, reason: trial.reason });
      const info: EngineInfo = {
        backend: trial.backend,
        candidate,
        label: trial.label,
        reason: trial.reason,
        device: device as EngineDevice,
        accelerated: trial.accelerated,
        attempts,
        ...(trial.kernels === undefined ? {} : { kernels: trial.kernels }),
        threads: getFlag("TML_ENGINE_THREADS"),
      };
      logger.info(`engine: ${info.label} (${info.reason}); ${info.threads} threads`, {
        backend: info.backend,
        device,
        threads: info.threads,
      });
      return info;
    } catch (error) {
      if (strict) {
        if (typeof error === "object" && error !== null && "code" in error) throw error;
        throw new BackendError(
          `Engine "${candidate}" could not start: ${message(error)}. Use --device auto or cpu.`,
          {
            cause: error,
            details: { device, candidate },
          },
        );
      }
      if (error instanceof NoUsableWebGpuAdapterError) {
        webgpuAdapters = error.considered.map((entry) => entry.adapter);
      }
      const reason = message(error);
      attempts.push({ candidate, ok: false, reason });
      logger.info(`engine: ${candidate} unavailable: ${reason}`);
    }
  }
  if (device === "gpu") {
    throw new GpuNotReadyError(probes.detectGpu(webgpuAdapters), {
      cause: new BackendError(
        `No GPU engine could start (${attempts.map((attempt) => `${attempt.candidate}: ${attempt.reason}`).join("; ")}).`,
      ),
    });
  }
  throw new BackendError(
    `No engine could start (${attempts.map((attempt) => `${attempt.candidate}: ${attempt.reason}`).join("; ")}).`,
    {
      details: { device, attempts },
    },
  );
}
