import { DEFAULT_LOAD_TIMEOUT_MS, type DetectGpuOptions, detectGpu } from "./detect-gpu.js";
import { GPU_NOT_READY_EXIT_CODE } from "./errors.js";
import { formatReport } from "./report.js";

/** Where the CLI writes; tests capture it. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit code for a wrong flag or argument (@tml/core's USAGE). */
export const USAGE_EXIT_CODE = 2;

const HELP = `Usage: cuda-check [--json] [--no-load] [--load-timeout <seconds>]

Checks that this machine can run @tensorflow/tfjs-node-gpu on an NVIDIA GPU: Linux x64, the NVIDIA
driver and nvidia-smi, a new enough driver, the CUDA runtime, cuDNN and CUDA libraries visible to the
dynamic loader, and tfjs-node-gpu installed and loading (tested in a child process). Then WebGPU's
path (tfjs-backend-webgpu on Dawn over Vulkan): the Vulkan loader, a GPU driver manifest and the
adapters the webgpu package offers (listed in a child process). Every unmet requirement is listed
with what to do about it.

Options:
  --json                    print the whole report as JSON instead of a table
  --no-load                 do not load tfjs-node-gpu nor list WebGPU adapters in child processes
  --load-timeout <seconds>  time limit for that load (default ${DEFAULT_LOAD_TIMEOUT_MS / 1000})
  -h, --help                print this help

Exit codes:
  0  a GPU path is ready (tfjs-node-gpu or WebGPU on a hardware adapter)
  ${GPU_NOT_READY_EXIT_CODE}  neither is ready (the report says why and what to do)
  ${USAGE_EXIT_CODE}  a wrong flag or argument
`;

interface CliOptions {
  json: boolean;
  help: boolean;
  checkLoad: boolean;
  loadTimeoutMs: number;
}

function parseArguments(argv: readonly string[]): CliOptions | string {
  const options: CliOptions = {
    json: false,
    help: false,
    checkLoad: true,
    loadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const [flag, inlineValue] =
      argument.startsWith("--") && argument.includes("=")
        ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)]
        : [argument, undefined];
    if (flag === "--json" && inlineValue === undefined) options.json = true;
    else if ((flag === "--help" || flag === "-h") && inlineValue === undefined) options.help = true;
    else if (flag === "--no-load" && inlineValue === undefined) options.checkLoad = false;
    else if (flag === "--load-timeout") {
      const value = inlineValue ?? argv[++index];
      const seconds = value === undefined ? Number.NaN : Number(value);
      if (!(seconds > 0) || !Number.isFinite(seconds)) {
        return `--load-timeout needs a positive number of seconds, got ${value === undefined ? "nothing" : JSON.stringify(value)}`;
      }
      options.loadTimeoutMs = Math.round(seconds * 1000);
    } else {
      return argument.startsWith("-")
        ? `unknown option ${argument}`
        : `unexpected argument ${JSON.stringify(argument)}`;
    }
  }
  return options;
}

/**
 * The cuda-check command: parses `argv` (without node and the script), prints the report and
 * returns the exit code (0 a GPU path ready, 8 none, 2 bad usage). `detectOptions` lets tests inject
 * probes; the flags override its checkLoad and loadTimeoutMs.
 */
export function main(
  argv: readonly string[],
  io: CliIo,
  detectOptions: DetectGpuOptions = {},
): number {
  const options = parseArguments(argv);
  if (typeof options === "string") {
    io.stderr(`cuda-check: ${options}\nRun cuda-check --help for usage.\n`);
    return USAGE_EXIT_CODE;
  }
  if (options.help) {
    io.stdout(HELP);
    return 0;
  }
  const report = detectGpu({
    ...detectOptions,
    checkLoad: options.checkLoad,
    loadTimeoutMs: options.loadTimeoutMs,
  });
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ready || report.webgpu.ready ? 0 : GPU_NOT_READY_EXIT_CODE;
}
