import { CheckList, type CheckResult, type GpuFacts, type GpuProblem } from "./checks.js";
import {
  checkDriver,
  checkDriverVersion,
  checkGpus,
  checkOs,
  describeGpus,
} from "./driver-checks.js";
import type { LibraryInfo } from "./libraries.js";
import {
  checkCudaRuntime,
  checkCudnn,
  checkLibcuda,
  checkMathLibraries,
} from "./library-checks.js";
import type { NvidiaInfo } from "./nvidia-driver.js";
import type { OsInfo } from "./os-probe.js";
import type { TfjsGpuBuild } from "./requirements.js";
import { checkTfjsInstalled, checkTfjsLoad } from "./tfjs-checks.js";
import type { TfjsNodeGpuInfo } from "./tfjs-node-gpu.js";
import { buildWebGpuReport, type WebGpuReport } from "./webgpu-checks.js";

/**
 * Whether this machine can run tfjs-node-gpu on an NVIDIA GPU: every requirement checked, what
 * was found, and what to do about each unmet one. Plain data (JSON-serialisable).
 */
export interface GpuReport {
  /** True when no requirement of tfjs-node-gpu (CUDA's path) is unmet. */
  ready: boolean;
  /** Unmet requirements in check order, each with what was found and its remedy. */
  problems: GpuProblem[];
  /** Things that do not block the GPU but deserve a look (a GPU too old to use, JIT start-up…). */
  warnings: string[];
  /** Every requirement, met or not, in display order. */
  checks: CheckResult[];
  /** The CUDA stack the checks were made against (the installed tfjs-node-gpu's, else the newest). */
  required: TfjsGpuBuild;
  /** Platform, architecture, kernel release, WSL. */
  os: OsInfo;
  /** Kernel module, nvidia-smi outcome, driver and CUDA driver-API versions, GPUs. */
  nvidia: NvidiaInfo;
  /** Every CUDA/cuDNN file the dynamic loader can see, and the cuDNN header version. */
  libraries: LibraryInfo;
  /** tfjs-node-gpu: version, where it was found, child-load outcome and TensorFlow's log tail. */
  tfjs: TfjsNodeGpuInfo;
  /** WebGPU's path (Dawn over Vulkan): its own verdict, checks and adapters. */
  webgpu: WebGpuReport;
}

/** Runs every check over the probed facts and assembles the report. */
export function buildReport(
  facts: GpuFacts,
  loadChecked: boolean,
  probeWarnings: string[] = [],
): GpuReport {
  const list = new CheckList();
  for (const warning of probeWarnings) list.warn(warning);
  const build = facts.tfjs.build;
  checkOs(list, facts);
  if (facts.os.platform === "linux") {
    checkDriver(list, facts, build);
    checkDriverVersion(list, facts, build);
    checkGpus(list, facts.nvidia, build);
    checkLibcuda(list, facts.libraries, list.passed("driver"));
    checkCudaRuntime(list, facts.libraries, build);
    checkCudnn(list, facts.libraries, build);
    checkMathLibraries(list, facts.libraries, build);
    checkTfjsInstalled(list, facts.tfjs);
    checkTfjsLoad(list, facts.tfjs, loadChecked);
  } else {
    list.skip(
      "driver",
      "GPU stack",
      "NVIDIA driver, CUDA, cuDNN, tfjs-node-gpu",
      "not checked: tfjs-node-gpu's GPU build exists for Linux only",
    );
    if (facts.nvidia.gpus.length > 0) {
      list.warn(
        `nvidia-smi lists ${describeGpus(facts.nvidia.gpus)}: they can be used from Linux (under Windows: WSL2)`,
      );
    }
  }
  if (!loadChecked && facts.tfjs.installed) {
    list.warn(
      "tfjs-node-gpu was not loaded (load check disabled): ready means the prerequisites are present, not that TensorFlow saw a GPU",
    );
  }
  const problems = list.problems();
  return {
    ready: problems.length === 0,
    problems,
    warnings: list.warnings,
    checks: list.checks,
    required: build,
    os: facts.os,
    nvidia: facts.nvidia,
    libraries: facts.libraries,
    tfjs: facts.tfjs,
    webgpu: buildWebGpuReport(facts.webgpu, facts.os.platform),
  };
}

const STATUS_LABEL = { ok: "ok", fail: "FAIL", skipped: "skip" } as const;

/**
 * The report as a human-readable table: a verdict line, one row per requirement, then each
 * problem with its remedy, the warnings, and TensorFlow's log tail when loading failed.
 */
export function formatReport(report: GpuReport): string {
  const build = report.required;
  const lines: string[] = [];
  const count = report.problems.length;
  lines.push(
    report.ready
      ? `GPU READY for tfjs-node-gpu ${build.tfjsMajor}.x (CUDA ${build.cuda}, cuDNN ${build.cudnn})`
      : `GPU NOT READY: ${count} problem${count === 1 ? "" : "s"} (checked against tfjs-node-gpu ${build.tfjsMajor}.x: CUDA ${build.cuda}, cuDNN ${build.cudnn})`,
    "",
  );
  const titleWidth = Math.max(5, ...report.checks.map((check) => check.title.length));
  lines.push(`  ${"Check".padEnd(titleWidth)}  Status  Found`);
  for (const check of report.checks) {
    lines.push(
      `  ${check.title.padEnd(titleWidth)}  ${STATUS_LABEL[check.status].padEnd(6)}  ${check.found}`,
    );
  }
  if (count > 0) {
    lines.push("", "Problems:");
    report.problems.forEach((problem, index) => {
      lines.push(
        `  ${index + 1}. ${problem.requirement}`,
        `     found: ${problem.found}`,
        `     fix:   ${problem.remedy}`,
      );
    });
  }
  if (report.warnings.length > 0) {
    lines.push("", "Warnings:", ...report.warnings.map((warning) => `  - ${warning}`));
  }
  const load = report.tfjs.load;
  if (load !== undefined && report.problems.some((problem) => problem.check === "tfjs-load")) {
    lines.push("", "TensorFlow log (last lines):", ...load.logTail.map((line) => `  | ${line}`));
  }
  lines.push("", ...formatWebGpu(report.webgpu));
  return `${lines.join("\n")}\n`;
}

function formatWebGpu(webgpu: WebGpuReport): string[] {
  const lines = [
    webgpu.ready
      ? "WebGPU READY (tfjs-backend-webgpu on Dawn over Vulkan)"
      : `WebGPU NOT READY: ${webgpu.problems.length} problem${webgpu.problems.length === 1 ? "" : "s"}`,
    "",
  ];
  const titleWidth = Math.max(5, ...webgpu.checks.map((check) => check.title.length));
  for (const check of webgpu.checks) {
    lines.push(
      `  ${check.title.padEnd(titleWidth)}  ${STATUS_LABEL[check.status].padEnd(6)}  ${check.found}`,
    );
  }
  webgpu.problems.forEach((problem, index) => {
    lines.push(`  ${index + 1}. fix: ${problem.remedy}`);
  });
  return lines;
}
