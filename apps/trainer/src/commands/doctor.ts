import { booleanFlag, type CliIo, deviceFlag, parseFlags, THREADS_HELP } from "@tml/cli-kit";
import { createLogger } from "@tml/core";
import { detectGpu, formatReport } from "@tml/cuda-check";
import { selectEngine, webgpuModulePath } from "@tml/engine";
import { printHelpIfAsked } from "./common.js";

/** `trainer doctor --help`. */
export const DOCTOR_HELP = `trainer doctor [--device auto|cpu|gpu] [--no-load-check]

Checks this machine: cuda-check's GPU report (OS, NVIDIA driver, CUDA, cuDNN, tfjs-node-gpu; the
Vulkan loader, driver manifests and WebGPU adapters), then
the engine training would use for --device and why. Exit 0, or 8 with --device gpu when the GPU is
not ready.

  --device auto|cpu|gpu  the device to resolve (default auto)
  --no-load-check        skip loading tfjs-node-gpu and listing WebGPU adapters in child processes
${THREADS_HELP}
  -h, --help             this help`;

/** Prints the GPU report and the engine `selectEngine` picks for `--device`. */
export async function doctorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags("trainer doctor", argv, {
    device: { type: "string" },
    "no-load-check": { type: "boolean" },
  });
  if (printHelpIfAsked(flags, DOCTOR_HELP, io)) return 0;
  const webgpuModule = webgpuModulePath();
  const report = detectGpu({
    checkLoad: !booleanFlag(flags, "no-load-check"),
    ...(webgpuModule === undefined ? {} : { webgpuModule }),
  });
  io.stdout(`${formatReport(report)}\n\n`);
  const device = deviceFlag("trainer doctor", flags);
  const engine = await selectEngine({
    device,
    logger: createLogger({ name: "engine", level: "silent" }),
  });
  io.stdout(`Engine for --device ${device}: ${engine.label} (backend "${engine.backend}")\n`);
  io.stdout(`Why: ${engine.reason}\n`);
  for (const attempt of engine.attempts)
    io.stdout(`  ${attempt.ok ? "chosen " : "skipped"} ${attempt.candidate}: ${attempt.reason}\n`);
  return 0;
}
