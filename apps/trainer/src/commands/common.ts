import {
  booleanFlag,
  type CliIo,
  deviceFlag,
  type FlagSpec,
  optionalInteger,
  optionalString,
  type ParsedFlags,
  stringList,
  THREADS_HELP,
} from "@tml/cli-kit";
import { type LogLevel, UsageError } from "@tml/core";

/** Flags every training command takes. */
export const COMMON_FLAGS: FlagSpec = {
  device: { type: "string" },
  set: { type: "string", multiple: true },
  "max-steps": { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
};

/** Help text of the common flags. */
export const COMMON_HELP = `  --device auto|cpu|gpu  engine: auto picks the fastest that works (default), cpu never uses a GPU,
                         gpu takes tfjs-node-gpu (CUDA) or else WebGPU (a Vulkan GPU) and fails
                         with cuda-check's report (exit 8) when neither is usable; webgpu: WebGPU only
  --set key.path=value   override a config value (repeatable), e.g. --set training.num_train_steps=50
  --max-steps N          stop after N training steps (overrides training.num_train_steps)
  --seed N               seed of every random choice (default 0)
${THREADS_HELP}
  --out DIR              run directory (config.yaml, metrics.jsonl, events/, checkpoints/, export, report)
  --resume               continue the run in --out from its last checkpoint (default: start fresh);
                         exit 4 when --out holds no run
  -v, --verbose          library log lines as well as the progress display
  -h, --help             this help`;

/** The common flags, validated. */
export interface CommonOptions {
  device: string;
  overrides: string[];
  maxSteps: number | undefined;
  seed: number | undefined;
  out: string | undefined;
  resume: boolean;
  verbose: boolean;
}

/** Reads and checks the common flags. */
export function commonOptions(command: string, flags: ParsedFlags): CommonOptions {
  const device = deviceFlag(command, flags);
  for (const entry of stringList(flags, "set")) {
    if (!/^[^=\s]+=/.test(entry))
      throw new UsageError(`${command}: --set takes key.path=value, got "${entry}".`);
  }
  return {
    device,
    overrides: stringList(flags, "set"),
    maxSteps: optionalInteger(command, flags, "max-steps", 1),
    seed: optionalInteger(command, flags, "seed", 0),
    out: optionalString(flags, "out"),
    resume: booleanFlag(flags, "resume"),
    verbose: booleanFlag(flags, "verbose"),
  };
}

/** Library log level: the progress display says what matters unless --verbose. */
export function libraryLogLevel(options: Pick<CommonOptions, "verbose">): LogLevel {
  return options.verbose ? "info" : "warn";
}

/** Prints `--help` when asked; returns true when it did. */
export function printHelpIfAsked(flags: ParsedFlags, help: string, io: CliIo): boolean {
  if (flags.values.help !== true) return false;
  io.stdout(`${help}\n`);
  return true;
}
