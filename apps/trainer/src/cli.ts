import { type CliIo, runCli } from "@tml/cli-kit";
import { UsageError } from "@tml/core";
import { DOCTOR_HELP, doctorCommand } from "./commands/doctor.js";
import { GENERATE_HELP, generateCommand } from "./commands/generate.js";
import { HEAVY_RANKER_HELP, heavyRankerCommand } from "./commands/heavy-ranker.js";
import { KG_HELP, kgCommand } from "./commands/kg.js";
import { MAIN_JOB_HELP, mainJobCommand } from "./commands/main-job.js";
import { TWHIN_HELP, twhinCommand } from "./commands/twhin.js";

/** `trainer --help`. */
export const TRAINER_HELP = `trainer [options]            the main job: graph → TwHIN → embeddings → Heavy Ranker → evaluation → ranking → report
trainer <command> [options]

Commands:
  twhin --config FILE          train TwHIN graph embeddings
  heavy-ranker --config FILE   train the Heavy Ranker
  kg --data DIR --recipe NAME  train and test link prediction on a knowledge graph (train/valid/test.txt)
  generate graph|ranker        write synthetic data with planted signal
  doctor                       GPU report and the engine that would be chosen, and why

Run "trainer <command> --help" for a command's options.

${MAIN_JOB_HELP}

Exit codes: 0 ok, 2 usage, 3 config, 4 not found, 5 data, 6 checkpoint, 7 backend, 8 GPU not
ready, 9 numeric (NaN loss), 10 I/O (read-only or full disk, a file in the way, out of memory),
70 internal error, 130 interrupted (checkpoint written; --resume).`;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  twhin: twhinCommand,
  "heavy-ranker": heavyRankerCommand,
  kg: kgCommand,
  generate: generateCommand,
  doctor: doctorCommand,
};

/** Every command's help (README, tests). */
export const HELP_TEXTS = {
  TRAINER_HELP,
  TWHIN_HELP,
  HEAVY_RANKER_HELP,
  KG_HELP,
  GENERATE_HELP,
  DOCTOR_HELP,
};

/** The trainer CLI: returns the exit code (never calls process.exit). */
export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli("trainer", io, async () => {
    const args = argv[0] === "--" ? argv.slice(1) : argv;
    const [first, ...rest] = args;
    if (first === "--help" || first === "-h" || first === "help") {
      io.stdout(`${TRAINER_HELP}\n`);
      return 0;
    }
    // No command (or only flags): the main job.
    if (first === undefined || first.startsWith("-")) return mainJobCommand(args, io);
    const run = COMMANDS[first];
    if (!run) {
      throw new UsageError(
        `unknown command "${first}"; commands are ${Object.keys(COMMANDS).join(", ")}. Run "trainer --help".`,
      );
    }
    return run(rest, io);
  });
}
