import { CheckList, type CheckResult, type GpuProblem } from "./checks.js";
import type { WebGpuInfo } from "./vulkan.js";
import {
  describeAdapter,
  judgeWebGpuAdapter,
  type WebGpuAdapterFacts,
  type WebGpuAdapterVerdict,
} from "./webgpu-adapters.js";

/** One adapter Dawn offered and the verdict on it (software adapters judged as not allowed). */
export interface JudgedAdapter {
  adapter: WebGpuAdapterFacts;
  verdict: WebGpuAdapterVerdict;
}

/**
 * Whether this machine can run the WebGPU engine (tfjs-backend-webgpu on Dawn over Vulkan) on a
 * GPU: the Vulkan loader, a driver manifest, the `webgpu` package and a hardware adapter.
 */
export interface WebGpuReport {
  /** True when a hardware adapter is usable (a software one never makes it ready). */
  ready: boolean;
  problems: GpuProblem[];
  checks: CheckResult[];
  /** Every adapter listed, with why it is usable or not. */
  adapters: JudgedAdapter[];
  /** What the probes found. */
  info: WebGpuInfo;
}

const VULKAN_DRIVER_REMEDY =
  "install the GPU's Vulkan driver: NVIDIA's driver ships nvidia_icd.json (package libnvidia-gl or the .run installer), AMD's is Mesa's radv (apt-get install mesa-vulkan-drivers)";

function checkVulkan(list: CheckList, info: WebGpuInfo): void {
  if (info.loader === undefined) {
    list.fail(
      "vulkan-loader",
      "Vulkan loader",
      "libvulkan.so.1 visible to the dynamic loader",
      "not found (LD_LIBRARY_PATH and the ldconfig cache)",
      "apt-get install libvulkan1 (Debian/Ubuntu) or your distribution's vulkan-loader",
    );
  } else list.ok("vulkan-loader", "Vulkan loader", "libvulkan.so.1", info.loader);
  const title = "Vulkan driver";
  const required = "a driver manifest (ICD JSON) for a GPU";
  const describe = (icds: WebGpuInfo["icds"]) =>
    icds.map((icd) => `${icd.libraryPath ?? "?"} (${icd.file})`).join("; ");
  const hardware = info.icds.filter((icd) => !icd.software);
  if (hardware.length > 0) list.ok("vulkan-icd", title, required, describe(hardware));
  else {
    const software = info.icds.filter((icd) => icd.software);
    list.fail(
      "vulkan-icd",
      title,
      required,
      software.length > 0
        ? `software drivers only: ${describe(software)}`
        : `none in ${info.icdDirectories.join(", ") || "VK_DRIVER_FILES"}`,
      VULKAN_DRIVER_REMEDY,
    );
  }
}

function checkAdapters(list: CheckList, info: WebGpuInfo, adapters: JudgedAdapter[]): void {
  const title = "WebGPU adapter";
  const required = "a hardware GPU adapter from Dawn (the `webgpu` package)";
  if (info.modulePath === undefined) {
    list.fail(
      "webgpu-adapter",
      title,
      required,
      "the webgpu package is not installed",
      "install @tml/engine's optional dependencies (pnpm install) or `npm i webgpu`",
    );
    return;
  }
  const listing = info.listing;
  if (listing === undefined) {
    list.skip("webgpu-adapter", title, required, "not listed (load check disabled)");
    return;
  }
  if (listing.outcome !== "listed") {
    list.fail(
      "webgpu-adapter",
      title,
      required,
      `listing adapters ${listing.outcome}${listing.error ? `: ${listing.error}` : ""}`,
      `run \`node --input-type=module -e "import('webgpu')"\` to see the whole error`,
    );
    return;
  }
  const usable = adapters.find((judged) => judged.verdict.usable);
  const all = adapters
    .map((judged) => `${describeAdapter(judged.adapter)}: ${judged.verdict.reason}`)
    .join("; ");
  if (usable !== undefined) list.ok("webgpu-adapter", title, required, all);
  else {
    list.fail(
      "webgpu-adapter",
      title,
      required,
      adapters.length === 0 ? "Dawn offers no adapter" : all,
      VULKAN_DRIVER_REMEDY,
    );
  }
}

/** Runs the WebGPU checks over the probed facts (on Linux the Vulkan ones too). */
export function buildWebGpuReport(info: WebGpuInfo, platform: string): WebGpuReport {
  const list = new CheckList();
  if (platform === "linux") checkVulkan(list, info);
  const adapters = (info.listing?.adapters ?? []).map((adapter) => ({
    adapter,
    verdict: judgeWebGpuAdapter(adapter, false),
  }));
  checkAdapters(list, info, adapters);
  const problems = list.problems();
  return {
    ready: problems.length === 0 && list.passed("webgpu-adapter"),
    problems,
    checks: list.checks,
    adapters,
    info,
  };
}
