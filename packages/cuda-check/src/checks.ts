import type { LibraryInfo } from "./libraries.js";
import type { NvidiaInfo } from "./nvidia-driver.js";
import type { OsInfo } from "./os-probe.js";
import type { TfjsNodeGpuInfo } from "./tfjs-node-gpu.js";
import type { WebGpuInfo } from "./vulkan.js";

/** Identifier of one requirement the report checks, in the order they are shown. */
export type CheckId =
  | "os"
  | "driver"
  | "driver-version"
  | "gpus"
  | "libcuda"
  | "cuda-runtime"
  | "cudnn"
  | "cuda-libraries"
  | "tfjs-node-gpu"
  | "tfjs-load"
  | "vulkan-loader"
  | "vulkan-icd"
  | "webgpu-adapter";

/** "ok": met; "fail": unmet (a problem); "skipped": not checkable here (an earlier check failed). */
export type CheckStatus = "ok" | "fail" | "skipped";

/** The outcome of one requirement. */
export interface CheckResult {
  id: CheckId;
  /** Short name for the table ("CUDA runtime"). */
  title: string;
  status: CheckStatus;
  /** What is needed ("libcudart.so.11.0 (CUDA 11.2)"). */
  required: string;
  /** What was found ("CUDA 13 (libcudart.so.13 in /usr/local/cuda-13.0/lib)"). */
  found: string;
  /** What to do; set when status is "fail". */
  remedy?: string;
}

/** One unmet requirement, with what was found and what to do about it. */
export interface GpuProblem {
  /** Which check failed. */
  check: CheckId;
  /** The requirement in words ("CUDA runtime: libcudart.so.11.0 (CUDA 11.2)"). */
  requirement: string;
  /** What this machine has instead. */
  found: string;
  /** The action that fixes it. */
  remedy: string;
}

/** Everything the probes found, as one object. */
export interface GpuFacts {
  /** Platform, architecture, kernel, WSL. */
  os: OsInfo;
  /** Kernel module, nvidia-smi outcome, driver and CUDA driver-API versions, GPUs. */
  nvidia: NvidiaInfo;
  /** CUDA and cuDNN files the dynamic loader can see. */
  libraries: LibraryInfo;
  /** tfjs-node-gpu: installed version, build requirements, child-load outcome. */
  tfjs: TfjsNodeGpuInfo;
  /** Vulkan loader, driver manifests, the webgpu package and its adapters. */
  webgpu: WebGpuInfo;
}

/** Collects check results and non-blocking warnings while the checks run. */
export class CheckList {
  readonly checks: CheckResult[] = [];
  readonly warnings: string[] = [];

  /** Records a met requirement. */
  ok(id: CheckId, title: string, required: string, found: string): void {
    this.checks.push({ id, title, status: "ok", required, found });
  }

  /** Records an unmet requirement and the action that fixes it. */
  fail(id: CheckId, title: string, required: string, found: string, remedy: string): void {
    this.checks.push({ id, title, status: "fail", required, found, remedy });
  }

  /** Records a requirement that could not be checked, and why. */
  skip(id: CheckId, title: string, required: string, reason: string): void {
    this.checks.push({ id, title, status: "skipped", required, found: reason });
  }

  /** Records something that does not block the GPU but deserves a look. */
  warn(message: string): void {
    this.warnings.push(message);
  }

  /** True when the check ran and passed. */
  passed(id: CheckId): boolean {
    return this.checks.some((check) => check.id === id && check.status === "ok");
  }

  /** The failed checks as problems, in check order. */
  problems(): GpuProblem[] {
    return this.checks
      .filter((check) => check.status === "fail")
      .map((check) => ({
        check: check.id,
        requirement: `${check.title}: ${check.required}`,
        found: check.found,
        remedy: check.remedy ?? "",
      }));
  }
}
