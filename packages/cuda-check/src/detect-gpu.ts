import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { detectLibraries, type LibraryInfo } from "./libraries.js";
import { detectNvidia, type NvidiaInfo } from "./nvidia-driver.js";
import { detectOs, type OsInfo } from "./os-probe.js";
import { type Probes, realProbes } from "./probes.js";
import { buildReport, type GpuReport } from "./report.js";
import { LATEST_TFJS_NODE_GPU_BUILD } from "./requirements.js";
import { detectTfjsNodeGpu, type TfjsNodeGpuInfo } from "./tfjs-node-gpu.js";
import { detectWebGpu, type WebGpuInfo } from "./vulkan.js";
import type { WebGpuAdapterFacts } from "./webgpu-adapters.js";

/** Default time limit for loading tfjs-node-gpu in a child process (a cold start can JIT kernels). */
export const DEFAULT_LOAD_TIMEOUT_MS = 120_000;

/**
 * Options of detectGpu. Every probe defaults to the real machine; tests pass their own to describe
 * a machine they do not have (platform, nvidia-smi output, ldconfig cache, installed packages…).
 */
export interface DetectGpuOptions extends Partial<Probes> {
  /** Load tfjs-node-gpu in a child process to prove it works (default true; takes a few seconds). */
  checkLoad?: boolean;
  /** Time limit of that child in milliseconds (default 120 000). */
  loadTimeoutMs?: number;
  /** The `webgpu` package's entry file (default: resolved from the working directory, then here). */
  webgpuModule?: string;
  /**
   * WebGPU adapters the caller already listed in its own process; without them, and with
   * `checkLoad`, a child process lists them.
   */
  webgpuAdapters?: WebGpuAdapterFacts[];
}

const PACKAGE_DIRECTORY = dirname(fileURLToPath(import.meta.url));

// A probe that throws (a bug, or an injected probe) must not make detectGpu throw: the report says
// which probe failed and carries on with "nothing found" for it.
function guarded<T>(name: string, warnings: string[], probe: () => T, fallback: () => T): T {
  try {
    return probe();
  } catch (error) {
    warnings.push(
      `the ${name} probe failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return fallback();
  }
}

/**
 * Inspects this machine for everything tfjs-node-gpu needs on an NVIDIA GPU: OS and architecture,
 * kernel driver and nvidia-smi (GPUs, memory, compute capability, driver and CUDA driver-API
 * versions), the CUDA runtime, cuDNN and CUDA libraries visible to the dynamic loader, and whether
 * tfjs-node-gpu is installed and loads (in a child process, so a crash cannot take this one down);
 * and WebGPU's path: the Vulkan loader, driver manifests and the adapters Dawn offers (listed in a
 * child process too).
 * Synchronous; never throws for a missing GPU or a failing probe — `report.ready` says the verdict.
 */
export function detectGpu(options: DetectGpuOptions = {}): GpuReport {
  const {
    checkLoad = true,
    loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS,
    webgpuModule,
    webgpuAdapters,
    ...injected
  } = options;
  const probes: Probes = { ...realProbes(), ...withoutUndefined(injected) };
  const warnings: string[] = [];
  const os = guarded<OsInfo>(
    "operating system",
    warnings,
    () => detectOs(probes),
    () => ({
      platform: probes.platform,
      arch: probes.arch,
      wsl: false,
      supported: probes.platform === "linux" && probes.arch === "x64",
    }),
  );
  const nvidia = guarded<NvidiaInfo>(
    "NVIDIA driver",
    warnings,
    () => detectNvidia(probes),
    () => ({
      kernelModule: { loaded: false, openKernelModule: false },
      nvidiaSmi: {
        ok: false,
        failure: { kind: "other", message: "the probe failed (see warnings)" },
        reportsComputeCapability: false,
        malformedLines: [],
      },
      gpus: [],
    }),
  );
  const libraries = guarded<LibraryInfo>(
    "library",
    warnings,
    () => detectLibraries(probes),
    () => ({
      found: [],
      ldconfigAvailable: false,
      ldLibraryPath: [],
    }),
  );
  const tfjs = guarded<TfjsNodeGpuInfo>(
    "tfjs-node-gpu",
    warnings,
    () =>
      detectTfjsNodeGpu(probes, { checkLoad, loadTimeoutMs, packageDirectory: PACKAGE_DIRECTORY }),
    () => ({ installed: false, build: LATEST_TFJS_NODE_GPU_BUILD, buildKnown: true }),
  );
  const loader = libraries.found.find((library) => library.file === "libvulkan.so.1")?.path;
  const webgpu = guarded<WebGpuInfo>(
    "WebGPU",
    warnings,
    () =>
      detectWebGpu(probes, {
        ...(loader === undefined ? {} : { loader }),
        listAdapters: checkLoad,
        timeoutMs: loadTimeoutMs,
        ...(webgpuModule === undefined ? {} : { modulePath: webgpuModule }),
        packageDirectory: PACKAGE_DIRECTORY,
        ...(webgpuAdapters === undefined ? {} : { adapters: webgpuAdapters }),
      }),
    () => ({ icdDirectories: [], icds: [] }),
  );
  return buildReport({ os, nvidia, libraries, tfjs, webgpu }, checkLoad, warnings);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
