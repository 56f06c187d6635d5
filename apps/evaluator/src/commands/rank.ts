import { readFileSync } from "node:fs";
import {
  type CliIo,
  deviceFlag,
  formatTable,
  optionalInteger,
  optionalString,
  parseFlags,
  rankingTable,
  rankRun,
  requiredString,
  scorerLabel,
  selectCommandEngine,
  THREADS_HELP,
} from "@tml/cli-kit";
import { ConfigError } from "@tml/core";
import { SCORER_FLAG_HELP, scorerKind } from "./scorer-flag.js";

/** `evaluator rank --help`. */
export const RANK_HELP = `evaluator rank --checkpoint DIR --candidates FILE [options]

Ranks candidate Tweets as the For You timeline does: score = Σ serving weight × calibrated
P(engagement), with the published weights (reply 13.5, reply engaged by author 75, negative
feedback −74, report −369, …) unless --weights is given, and explains each score by its per-task
contributions. Writes ranking.json and report.html.

  --checkpoint DIR   trainer run directory, its checkpoints/, or one checkpoints/<step>
  --candidates FILE  Parquet rows (file or glob) in the training data's layout
  --weights FILE     JSON object task name → weight (default: the published serving weights)
  --config FILE      recap config (default: the run's config.yaml)
  --top N            rows shown (default 20)
  --out DIR          output directory (default <run>/ranking)
  --device auto|cpu|gpu
${THREADS_HELP}
${SCORER_FLAG_HELP}
  -h, --help         this help`;

function readWeights(path: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `--weights ${path}: not a readable JSON file (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`--weights ${path}: expected a JSON object of task name → number`);
  for (const [task, value] of Object.entries(parsed)) {
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new ConfigError(`--weights ${path}: weight of ${task} must be a finite number`, {
        details: { path: [task] },
      });
  }
  return parsed as Record<string, number>;
}

/** `evaluator rank`. */
export async function rankCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "evaluator rank";
  const flags = parseFlags(command, argv, {
    checkpoint: { type: "string" },
    candidates: { type: "string" },
    weights: { type: "string" },
    config: { type: "string" },
    top: { type: "string" },
    out: { type: "string" },
    device: { type: "string" },
    scorer: { type: "string" },
  });
  if (flags.values.help === true) {
    io.stdout(`${RANK_HELP}\n`);
    return 0;
  }
  const weightsFile = optionalString(flags, "weights");
  const config = optionalString(flags, "config");
  const out = optionalString(flags, "out");
  const top = optionalInteger(command, flags, "top", 1) ?? 20;
  const device = deviceFlag(command, flags);
  const printEngine = await selectCommandEngine(device, io);
  const result = await rankRun({
    checkpoint: requiredString(command, flags, "checkpoint"),
    candidates: requiredString(command, flags, "candidates"),
    device,
    scorer: scorerKind(command, optionalString(flags, "scorer")),
    top,
    ...(weightsFile ? { weights: readWeights(weightsFile) } : {}),
    ...(config ? { config } : {}),
    ...(out ? { out } : {}),
  });
  const table = rankingTable(result.ranked, top);
  io.stdout(
    `${result.ranked.length} candidates ranked (checkpoint step ${result.step}, scored by ${scorerLabel(result.scorer)})\n`,
  );
  io.stdout(`${formatTable(table.columns, table.rows)}\n`);
  io.stdout(`ranking: ${result.rankingJson}\nreport:  ${result.report?.html}\n`);
  printEngine();
  return 0;
}
