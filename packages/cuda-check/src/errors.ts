import type { GpuProblem } from "./checks.js";
import type { GpuReport } from "./report.js";

/**
 * Process exit code for GPU_NOT_READY, the same as @tml/core's `EXIT_CODES.GPU_NOT_READY`
 * (this package stays a leaf and does not import core).
 */
export const GPU_NOT_READY_EXIT_CODE = 8;

// The brand @tml/core's `TmlError.isInstance` looks for; a registered symbol is the same in every
// module that asks for it, so the error is recognised without importing core.
const TML_ERROR_BRAND = Symbol.for("@tml/core/TmlError");

/** Machine-readable details of a GpuNotReadyError. */
export interface GpuNotReadyDetails extends Record<string, unknown> {
  /** Every unmet requirement with what was found and the remedy. */
  problems: GpuProblem[];
  warnings: string[];
  /** The tfjs-node-gpu build checked against ("4.x: CUDA 11.2, cuDNN 8.1"). */
  required: string;
  /** "linux x64" */
  platform: string;
  /** GPU names nvidia-smi listed. */
  gpus: string[];
}

/**
 * Thrown when the GPU was asked for but Linux + NVIDIA driver + CUDA + cuDNN + tfjs-node-gpu is not
 * ready. Its message lists every unmet requirement with its remedy. `code` is "GPU_NOT_READY" and it
 * carries @tml/core's error brand, so `TmlError.isInstance(error, "GPU_NOT_READY")` is true and CLIs
 * exit with 8.
 */
export class GpuNotReadyError extends Error {
  /** @tml/core error code; CLIs map it to exit code 8. */
  readonly code = "GPU_NOT_READY" as const;
  readonly details: GpuNotReadyDetails;
  /** The report the error was made from. */
  readonly report: GpuReport;
  readonly [TML_ERROR_BRAND] = true;

  /** `cause` defaults to the tfjs-node-gpu load error when loading was what failed. */
  constructor(report: GpuReport, options: { cause?: unknown } = {}) {
    const cause = options.cause ?? loadFailure(report);
    super(formatMessage(report), cause === undefined ? undefined : { cause });
    this.name = "GpuNotReadyError";
    this.report = report;
    const build = report.required;
    this.details = {
      problems: report.problems,
      warnings: report.warnings,
      required: `tfjs-node-gpu ${build.tfjsMajor}.x: CUDA ${build.cuda}, cuDNN ${build.cudnn}`,
      platform: `${report.os.platform} ${report.os.arch}`,
      gpus: report.nvidia.gpus.map((gpu) => gpu.name),
    };
  }
}

function loadFailure(report: GpuReport): Error | undefined {
  const load = report.tfjs.load;
  if (load === undefined || load.outcome === "loaded") return undefined;
  return new Error(
    `loading @tensorflow/tfjs-node-gpu ${load.outcome}: ${load.error ?? load.logTail.at(-1) ?? "no output"}`,
  );
}

function formatMessage(report: GpuReport): string {
  const count = report.problems.length + report.webgpu.problems.length;
  const lines = [
    `The GPU was requested but is not ready (${count} problem${count === 1 ? "" : "s"}):`,
    ...[...report.problems, ...report.webgpu.problems].map(
      (problem, index) =>
        `  ${index + 1}. ${problem.requirement}\n     found: ${problem.found}\n     fix:   ${problem.remedy}`,
    ),
    "Run `cuda-check` for the full report, or use the CPU backend.",
  ];
  return lines.join("\n");
}

/**
 * Throws GpuNotReadyError when `report.ready` (tfjs-node-gpu's path) is false; returns nothing otherwise. Call it at
 * start-up whenever the GPU is asked for: `assertGpuReady(detectGpu())`.
 */
export function assertGpuReady(report: GpuReport, options: { cause?: unknown } = {}): void {
  if (!report.ready) throw new GpuNotReadyError(report, options);
}
