import { type CliIo, runCli } from "@tml/cli-kit";
import { UsageError } from "@tml/core";
import { EXPLORE_HELP, exploreCommand } from "./commands/explore.js";
import { HEAVY_RANKER_HELP, heavyRankerCommand } from "./commands/heavy-ranker.js";
import { RANK_HELP, rankCommand } from "./commands/rank.js";
import { TWHIN_HELP, twhinCommand } from "./commands/twhin.js";

/** `evaluator --help`. */
export const EVALUATOR_HELP = `evaluator <command> [options]

Commands:
  heavy-ranker --checkpoint DIR --data GLOB   per-task AUROC, RCE, NRCE, PR-AUC, calibration
  twhin --checkpoint DIR [--data GLOB]        link prediction: MRR, MR, Hits@k, AUC, nearest neighbours
  rank --checkpoint DIR --candidates FILE     rank candidates with the serving weights, explained
  explore --run DIR [--port N]                serve the explorer: the models run in your browser

The first three print a table, write metrics.json and a self-contained report.html with plots
(PNG copies in plots/). Run "evaluator <command> --help" for its options.

Exit codes: 0 ok, 2 usage, 3 config, 4 not found, 5 data, 6 checkpoint, 7 backend, 8 GPU not
ready, 9 numeric, 10 I/O (read-only or full disk, a file in the way, out of memory), 70 internal
error.`;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  "heavy-ranker": heavyRankerCommand,
  twhin: twhinCommand,
  rank: rankCommand,
  explore: exploreCommand,
};

/** Every command's help, for the README and tests. */
export const HELP_TEXTS = {
  EVALUATOR_HELP,
  HEAVY_RANKER_HELP,
  TWHIN_HELP,
  RANK_HELP,
  EXPLORE_HELP,
};

/** The evaluator CLI: returns the exit code (never calls process.exit). */
export function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runCli("evaluator", io, async () => {
    const [command, ...rest] = argv[0] === "--" ? argv.slice(1) : argv;
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.stdout(`${EVALUATOR_HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) {
      throw new UsageError(
        `unknown command "${command}"; commands are ${Object.keys(COMMANDS).join(", ")}. Run "evaluator --help".`,
      );
    }
    return run(rest, io);
  });
}
