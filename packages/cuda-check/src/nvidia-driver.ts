import {
  classifyNvidiaSmiFailure,
  GPU_QUERY_FIELDS,
  GPU_QUERY_FIELDS_LEGACY,
  type GpuInfo,
  type GpuQueryField,
  type NvidiaSmiFailure,
  type NvidiaSmiSummary,
  parseGpuQuery,
  parseKernelModuleVersion,
  parseNvidiaSmiSummary,
} from "./nvidia-smi.js";
import type { ExecResult, Probes } from "./probes.js";

/** File the NVIDIA kernel module creates when it is loaded. */
export const KERNEL_MODULE_VERSION_FILE = "/proc/driver/nvidia/version";

/** What the machine says about its NVIDIA driver and GPUs. */
export interface NvidiaInfo {
  /** The kernel module, from /proc/driver/nvidia/version (Linux only; absent under WSL). */
  kernelModule: {
    /** True when the version file exists: the kernel driver is loaded. */
    loaded: boolean;
    version?: string;
    openKernelModule: boolean;
  };
  /** How nvidia-smi answered. */
  nvidiaSmi: {
    /** The command that ran ("nvidia-smi" from PATH, or a well-known absolute path). */
    command?: string;
    /** True when the GPU query succeeded. */
    ok: boolean;
    failure?: NvidiaSmiFailure;
    /** False on drivers older than 510, which reject the compute_cap query field. */
    reportsComputeCapability: boolean;
    /** Output lines that could not be parsed, verbatim. */
    malformedLines: string[];
  };
  /** Driver version from nvidia-smi, else from the kernel module ("535.129.03"). */
  driverVersion?: string;
  /** Newest CUDA version the driver supports ("12.2"), from the nvidia-smi banner. */
  cudaDriverVersion?: string;
  /** GPUs in nvidia-smi order; empty when none were found or nvidia-smi failed. */
  gpus: GpuInfo[];
  /** CUDA_VISIBLE_DEVICES as set in the environment; absent when unset (every GPU visible). */
  cudaVisibleDevices?: string;
}

function nvidiaSmiCandidates(platform: string): string[] {
  // nvidia-smi is not always on PATH (sudo's secure_path, minimal containers, WSL).
  if (platform === "linux")
    return ["nvidia-smi", "/usr/bin/nvidia-smi", "/usr/lib/wsl/lib/nvidia-smi"];
  if (platform === "win32") return ["nvidia-smi", "C:\\Windows\\System32\\nvidia-smi.exe"];
  return ["nvidia-smi"];
}

function queryArgs(fields: readonly GpuQueryField[]): string[] {
  return [`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits"];
}

/**
 * Reads the kernel module version and asks nvidia-smi for the GPUs (name, memory, compute
 * capability, driver) and the CUDA driver-API version. Falls back to a query without compute_cap on
 * drivers that reject it. Never throws.
 */
export function detectNvidia(
  probes: Pick<Probes, "platform" | "readFile" | "exec" | "env">,
): NvidiaInfo {
  const moduleText =
    probes.platform === "linux" ? probes.readFile(KERNEL_MODULE_VERSION_FILE) : undefined;
  const kernelModule = {
    loaded: moduleText !== undefined,
    ...(moduleText === undefined
      ? { openKernelModule: false }
      : parseKernelModuleVersion(moduleText)),
  };

  let command: string | undefined;
  let result: ExecResult | undefined;
  let fields: readonly GpuQueryField[] = GPU_QUERY_FIELDS;
  for (const candidate of nvidiaSmiCandidates(probes.platform)) {
    result = probes.exec(candidate, queryArgs(fields));
    if (result.errorCode !== "ENOENT") {
      command = candidate;
      break;
    }
  }
  let failure = result === undefined ? undefined : classifyNvidiaSmiFailure(result);
  if (
    command !== undefined &&
    failure?.kind === "invalid-field" &&
    failure.field === "compute_cap"
  ) {
    fields = GPU_QUERY_FIELDS_LEGACY;
    result = probes.exec(command, queryArgs(fields));
    failure = classifyNvidiaSmiFailure(result);
  }

  let gpus: GpuInfo[] = [];
  let malformedLines: string[] = [];
  let summary: NvidiaSmiSummary = {};
  if (failure === undefined && result !== undefined && command !== undefined) {
    ({ gpus, malformedLines } = parseGpuQuery(result.stdout, fields));
    if (gpus.length === 0) {
      const line = malformedLines[0] ?? "";
      failure = { kind: "other", message: `unrecognised nvidia-smi output: ${line.slice(0, 120)}` };
    }
    const plain = probes.exec(command, []);
    if (classifyNvidiaSmiFailure(plain) === undefined)
      summary = parseNvidiaSmiSummary(plain.stdout);
  }
  const driverVersion = gpus[0]?.driverVersion ?? summary.driverVersion ?? kernelModule.version;
  const cudaVisibleDevices = probes.env["CUDA_VISIBLE_DEVICES"];

  return {
    kernelModule,
    nvidiaSmi: {
      ...(command === undefined ? {} : { command }),
      ok: failure === undefined,
      ...(failure === undefined ? {} : { failure }),
      reportsComputeCapability: fields === GPU_QUERY_FIELDS,
      malformedLines,
    },
    ...(driverVersion === undefined ? {} : { driverVersion }),
    ...(summary.cudaVersion === undefined ? {} : { cudaDriverVersion: summary.cudaVersion }),
    gpus,
    ...(cudaVisibleDevices === undefined ? {} : { cudaVisibleDevices }),
  };
}

/**
 * True when CUDA_VISIBLE_DEVICES hides every GPU: empty, "-1", "NoDevFiles" (set by some batch
 * schedulers), or anything whose first entry is neither an index nor a GPU/MIG UUID — CUDA stops
 * reading the list at the first invalid entry.
 */
export function hidesEveryGpu(cudaVisibleDevices: string): boolean {
  const first = cudaVisibleDevices.split(",")[0]!.trim();
  return !/^(\d+|GPU-[\w-]+|MIG-[\w/-]+)$/.test(first);
}
