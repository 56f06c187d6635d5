import type { ExecResult } from "./probes.js";

/** One NVIDIA GPU as nvidia-smi lists it. */
export interface GpuInfo {
  /** Position in nvidia-smi's list (0-based, the CUDA device order by PCI bus by default). */
  index: number;
  /** Marketing name ("NVIDIA A100-SXM4-80GB"). */
  name: string;
  /** Total memory in MiB; absent when the driver reports "[N/A]". */
  memoryMiB?: number;
  /** CUDA compute capability ("8.0"); absent on drivers older than 510 that cannot report it. */
  computeCapability?: string;
  /** Driver version this GPU runs under ("535.129.03"). */
  driverVersion?: string;
}

/** Fields asked of `nvidia-smi --query-gpu`, in order. */
export const GPU_QUERY_FIELDS = ["name", "memory.total", "compute_cap", "driver_version"] as const;
/** The same without `compute_cap`, which drivers before 510 reject. */
export const GPU_QUERY_FIELDS_LEGACY = ["name", "memory.total", "driver_version"] as const;

/** A field of the GPU query. */
export type GpuQueryField = (typeof GPU_QUERY_FIELDS)[number];

/** What parsing `--query-gpu … --format=csv,noheader,nounits` output produced. */
export interface GpuQueryParse {
  gpus: GpuInfo[];
  /** Lines that did not have the expected shape, verbatim. */
  malformedLines: string[];
}

const VERSION = /^\d+(\.\d+)+$/;
const COMPUTE_CAPABILITY = /^\d+\.\d+$/;
// "[N/A]", "[Not Supported]", "N/A", "[Unknown Error]"
const NOT_AVAILABLE = /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions)\]?$/i;

/**
 * Parses the CSV of `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`, one GPU per
 * line, values separated by ", ". The name comes first and may itself contain a comma, so the other
 * fields are taken from the right.
 */
export function parseGpuQuery(csv: string, fields: readonly GpuQueryField[]): GpuQueryParse {
  const gpus: GpuInfo[] = [];
  const malformedLines: string[] = [];
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== "");
  for (const line of lines) {
    const gpu = parseGpuLine(line, fields, gpus.length);
    if (gpu === undefined) malformedLines.push(line);
    else gpus.push(gpu);
  }
  return { gpus, malformedLines };
}

function parseGpuLine(
  line: string,
  fields: readonly GpuQueryField[],
  index: number,
): GpuInfo | undefined {
  const parts = line.split(",").map((part) => part.trim());
  if (parts.length < fields.length || fields[0] !== "name") return undefined;
  const rest = parts.splice(parts.length - (fields.length - 1));
  const name = parts.join(", ");
  if (name === "" || NOT_AVAILABLE.test(name)) return undefined;
  const gpu: GpuInfo = { index, name };
  for (const [position, field] of fields.slice(1).entries()) {
    const value = rest[position]!;
    if (NOT_AVAILABLE.test(value)) continue;
    if (field === "memory.total") {
      if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
      gpu.memoryMiB = Number(value);
    } else if (field === "compute_cap") {
      if (!COMPUTE_CAPABILITY.test(value)) return undefined;
      gpu.computeCapability = value;
    } else if (field === "driver_version") {
      if (!VERSION.test(value)) return undefined;
      gpu.driverVersion = value;
    }
  }
  return gpu;
}

/** Versions printed in the banner of plain `nvidia-smi`. */
export interface NvidiaSmiSummary {
  /** Kernel driver version ("535.129.03"). */
  driverVersion?: string;
  /** Newest CUDA version the driver supports (driver API, "12.2"); not the installed toolkit. */
  cudaVersion?: string;
}

/**
 * Reads "Driver Version: 535.129.03   CUDA Version: 12.2" from plain `nvidia-smi` output. Drivers
 * before 410 print no CUDA version.
 */
export function parseNvidiaSmiSummary(text: string): NvidiaSmiSummary {
  const driverVersion = /Driver Version:\s*(\d+(?:\.\d+)+)/.exec(text)?.[1];
  const cudaVersion = /CUDA Version:\s*(\d+\.\d+)/.exec(text)?.[1];
  return {
    ...(driverVersion === undefined ? {} : { driverVersion }),
    ...(cudaVersion === undefined ? {} : { cudaVersion }),
  };
}

/** Why nvidia-smi produced no usable answer. */
export type NvidiaSmiFailureKind =
  /** Not installed / not on PATH. */
  | "not-found"
  /** Installed, but the kernel driver is not loaded ("couldn't communicate with the NVIDIA driver"). */
  | "no-driver"
  /** Kernel module and user-space libraries differ (driver upgraded without reboot). */
  | "version-mismatch"
  /** The driver runs but sees no GPU (none installed, or not passed into this container). */
  | "no-devices"
  /** A GPU fell off the bus or is in an error state. */
  | "gpu-lost"
  /** Not allowed to open the device files. */
  | "permission"
  /** nvidia-smi did not answer within the time limit. */
  | "timeout"
  /** The query named a field this driver does not know (compute_cap before 510). */
  | "invalid-field"
  /** Anything else; the message says what nvidia-smi printed. */
  | "other";

/** A classified nvidia-smi failure. */
export interface NvidiaSmiFailure {
  kind: NvidiaSmiFailureKind;
  /** The most telling line nvidia-smi (or the spawn) printed. */
  message: string;
  /** For "invalid-field": the field the driver rejected. */
  field?: string;
}

// Most specific first: a shell's "No such file or directory" must not hide a driver message.
const FAILURE_PATTERNS: readonly [RegExp, NvidiaSmiFailureKind][] = [
  [/couldn't communicate with the NVIDIA driver|NVIDIA driver is not loaded/i, "no-driver"],
  [/Driver\/library version mismatch/i, "version-mismatch"],
  [/No devices were found/i, "no-devices"],
  [/GPU is lost|Unable to determine the device handle/i, "gpu-lost"],
  [/Insufficient Permissions|Permission denied/i, "permission"],
  [/is not a valid field to query/i, "invalid-field"],
  [
    /command not found|not recognized as an internal or external command|No such file/i,
    "not-found",
  ],
];

/**
 * Classifies the result of an nvidia-smi call, or returns undefined when it succeeded (exit 0 with
 * output). nvidia-smi prints its errors on stdout, so both streams are searched.
 */
export function classifyNvidiaSmiFailure(result: ExecResult): NvidiaSmiFailure | undefined {
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.errorCode === "ENOENT") {
    return { kind: "not-found", message: "nvidia-smi: command not found (ENOENT)" };
  }
  if (result.errorCode === "ETIMEDOUT" || (result.signal !== null && result.status === null)) {
    return {
      kind: "timeout",
      message: `nvidia-smi did not finish (${result.signal ?? "timeout"})`,
    };
  }
  if (result.errorCode === "EACCES") {
    return { kind: "permission", message: "nvidia-smi: permission denied (EACCES)" };
  }
  const message = firstMeaningfulLine(output) ?? `nvidia-smi exited with status ${result.status}`;
  for (const [pattern, kind] of FAILURE_PATTERNS) {
    if (!pattern.test(output)) continue;
    if (kind === "invalid-field") {
      const field = /Field "([^"]+)" is not a valid field/.exec(output)?.[1];
      return { kind, message, ...(field === undefined ? {} : { field }) };
    }
    return { kind, message };
  }
  if (result.status === 127) return { kind: "not-found", message };
  if (result.status !== 0 || output.trim() === "") return { kind: "other", message };
  return undefined;
}

function firstMeaningfulLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== "");
}

/** The version in `/proc/driver/nvidia/version` and whether it is the open kernel module. */
export interface KernelModuleInfo {
  /** Loaded kernel module version ("535.129.03"). */
  version?: string;
  /** True for NVIDIA's open GPU kernel modules (required on Blackwell). */
  openKernelModule: boolean;
}

/**
 * Parses `/proc/driver/nvidia/version`, e.g. "NVRM version: NVIDIA UNIX x86_64 Kernel Module
 * 535.129.03  Thu Oct 19 …" or "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14
 * Release Build …".
 */
export function parseKernelModuleVersion(text: string): KernelModuleInfo {
  const version = /Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
  return {
    ...(version === undefined ? {} : { version }),
    openKernelModule: /Open Kernel Module/.test(text),
  };
}
