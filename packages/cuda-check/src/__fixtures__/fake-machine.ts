// Test helper: describes a machine through injected probes, from the recorded/transcribed outputs in
// this folder, so detectGpu can be tested without the machine.
import { readFileSync } from "node:fs";
import type { ChildLoadResult, ExecResult, Probes } from "../probes.js";
import type { WebGpuAdapterFacts } from "../webgpu-adapters.js";

/** Text of a fixture file, relative to this folder. */
export function fixture(relative: string): string {
  return readFileSync(new URL(relative, import.meta.url), "utf8");
}

/** The command could not be spawned because it does not exist. */
export const ENOENT: ExecResult = { status: null, signal: null, stdout: "", stderr: "", errorCode: "ENOENT" };

/** A command that ran and printed `stdout`. */
export function ran(stdout: string, status = 0, stderr = ""): ExecResult {
  return { status, signal: null, stdout, stderr };
}

/** Command lines as detectGpu runs them (the exec key is the command and its arguments joined by spaces). */
export const QUERY =
  "nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv,noheader,nounits";
export const LEGACY_QUERY = "nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits";
export const PLAIN = "nvidia-smi";
export const LDCONFIG = "ldconfig -p";

/** A child load that ended with `stderr` (and the child's result marker unless it failed). */
export function childLoad(stderr: string, overrides: Partial<ChildLoadResult> = {}): ChildLoadResult {
  const failed = overrides.status !== undefined && overrides.status !== 0;
  const killed = overrides.signal != null || overrides.timedOut === true;
  return {
    status: 0,
    signal: null,
    timedOut: false,
    stdout: failed || killed ? "" : 'cuda-check-load-result:{"backend":"tensorflow","sum":3}\n',
    stderr,
    durationMs: 2300,
    ...overrides,
  };
}

/** What a fake machine has. Anything not listed does not exist. */
export interface FakeMachine {
  platform?: string;
  arch?: string;
  /** readFile contents by absolute path. */
  files?: Record<string, string>;
  /** readDir entries by absolute path. */
  dirs?: Record<string, string[]>;
  env?: Record<string, string>;
  /** exec results by "command arg1 arg2"; missing commands are ENOENT. */
  commands?: Record<string, ExecResult>;
  /** Installed tfjs-node-gpu version, resolvable from the working directory. */
  tfjsVersion?: string;
  /** Where tfjs-node-gpu resolves from: the working directory (default) or cuda-check's folder. */
  tfjsFrom?: "cwd" | "cuda-check";
  /** True when its exports map hides package.json (only the main entry resolves). */
  tfjsHidesPackageJson?: boolean;
  /** What loading it in a child process gives. */
  load?: ChildLoadResult;
  /** Adapters the webgpu package lists (installed in the working directory when set). */
  webgpuAdapters?: WebGpuAdapterFacts[];
}

/** Where the fake machine's webgpu package resolves. */
export const FAKE_WEBGPU_MODULE = "/srv/app/node_modules/webgpu/index.js";

/** Probes describing `machine`; `calls` records exec and loadInChild calls in order. */
export function fakeProbes(machine: FakeMachine): Probes & { calls: string[] } {
  const calls: string[] = [];
  const cwd = "/srv/app";
  const tfjsDirectory = "/srv/app/node_modules/@tensorflow/tfjs-node-gpu";
  const files: Record<string, string> = { ...machine.files };
  if (machine.tfjsVersion !== undefined) {
    files[`${tfjsDirectory}/package.json`] = JSON.stringify({
      name: "@tensorflow/tfjs-node-gpu",
      version: machine.tfjsVersion,
    });
  }
  return {
    calls,
    platform: machine.platform ?? "linux",
    arch: machine.arch ?? "x64",
    env: machine.env ?? {},
    cwd,
    readFile: (path) => files[path],
    readDir: (path) => machine.dirs?.[path],
    exec(command, args) {
      const line = [command, ...args].join(" ");
      calls.push(line);
      return machine.commands?.[line] ?? ENOENT;
    },
    resolveModule(specifier, fromDirectory) {
      if (specifier === "webgpu") {
        return machine.webgpuAdapters !== undefined && fromDirectory === cwd
          ? FAKE_WEBGPU_MODULE
          : undefined;
      }
      if (machine.tfjsVersion === undefined) return undefined;
      const wanted = machine.tfjsFrom ?? "cwd";
      if ((wanted === "cwd") !== (fromDirectory === cwd)) return undefined;
      if (specifier === "@tensorflow/tfjs-node-gpu") return `${tfjsDirectory}/dist/index.js`;
      if (specifier !== "@tensorflow/tfjs-node-gpu/package.json") return undefined;
      return machine.tfjsHidesPackageJson ? undefined : `${tfjsDirectory}/package.json`;
    },
    loadInChild(modulePath, timeoutMs) {
      calls.push(`load ${modulePath} ${timeoutMs}`);
      return machine.load ?? childLoad("", { status: 1, stderr: "Error: no load result was faked" });
    },
    listWebGpuAdaptersInChild(modulePath, timeoutMs) {
      calls.push(`webgpu ${modulePath} ${timeoutMs}`);
      const adapters = JSON.stringify({ adapters: machine.webgpuAdapters ?? [] });
      return childLoad("", { stdout: `cuda-check-load-result:${adapters}\n` });
    },
  };
}

/**
 * A Linux x64 machine with 2× A100, driver 535, CUDA 11.2, cuDNN 8.1, tfjs-node-gpu 4.22.0, and
 * the Vulkan loader, NVIDIA's driver manifest and the webgpu package offering the A100.
 */
export function readyMachine(): FakeMachine {
  return {
    files: {
      "/proc/driver/nvidia/version": fixture("proc/version-535.txt"),
      "/proc/sys/kernel/osrelease": "5.15.0-91-generic\n",
      "/usr/include/cudnn_version.h": fixture("headers/cudnn_version-8.1.0.h"),
      "/usr/share/vulkan/icd.d/nvidia_icd.json": '{"ICD":{"library_path":"libGLX_nvidia.so.0"}}',
    },
    dirs: {
      "/lib/x86_64-linux-gnu": ["libcuda.so", "libcuda.so.1", "libcuda.so.535.129.03", "libcudnn.so.8", "libcudnn.so.8.1.0", "libvulkan.so.1", "libz.so.1"],
      "/usr/share/vulkan/icd.d": ["nvidia_icd.json"],
      "/usr/local/cuda-11.2/targets/x86_64-linux/lib": [
        "libcudart.so",
        "libcudart.so.11.0",
        "libcudart.so.11.2.152",
        "libcudart_static.a",
        "libcublas.so.11",
        "libcublas.so.11.4.1.1043",
      ],
    },
    commands: {
      [QUERY]: ran(fixture("nvidia-smi/query-2x-a100.csv")),
      [PLAIN]: ran(fixture("nvidia-smi/plain-2x-a100-535.txt")),
      [LDCONFIG]: ran(fixture("ldconfig/cuda-11.2-cudnn-8.1.txt")),
    },
    tfjsVersion: "4.22.0",
    load: childLoad(fixture("tfjs-load/stderr-gpu-ok.txt")),
    webgpuAdapters: [
      {
        vendor: "nvidia",
        architecture: "ampere",
        device: "",
        description: "NVIDIA A100-SXM4-40GB",
        isFallbackAdapter: false,
      },
    ],
  };
}
