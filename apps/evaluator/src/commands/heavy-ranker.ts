import {
  type CliIo,
  deviceFlag,
  evaluateHeavyRankerRun,
  formatTable,
  optionalInteger,
  optionalString,
  parseFlags,
  requiredString,
  STRATUM_METRIC_COLUMNS,
  scorerLabel,
  selectCommandEngine,
  stratumMetricRows,
  stringList,
  TASK_METRIC_COLUMNS,
  THREADS_HELP,
  taskMetricRows,
} from "@tml/cli-kit";
import { SCORER_FLAG_HELP, scorerKind } from "./scorer-flag.js";

/** `evaluator heavy-ranker --help`. */
export const HEAVY_RANKER_HELP = `evaluator heavy-ranker --checkpoint DIR [--data GLOB] [options]

Scores held-out rows with a Heavy Ranker checkpoint and reports per task: AUROC, RCE and NRCE
(percent), PR-AUC, label rate, mean prediction, calibration (pctr / ctr) and expected calibration
error, over all rows and over each of the config's model.stratifiers. Writes metrics.json and a
self-contained report.html (training curves, ROC, precision-recall, reliability diagrams, score
histograms; PNGs in plots/).

  --checkpoint DIR   trainer run directory, its checkpoints/, or one checkpoints/<step>
  --data GLOB        Parquet rows to score (default: the config's first validation partition)
  --config FILE      recap config (default: the run's config.yaml)
  --set key=value    config override (repeatable)
  --out DIR          where metrics.json and report.html go (default <run>/evaluation)
  --max-batches N    score at most N batches
  --device auto|cpu|gpu
${THREADS_HELP}
${SCORER_FLAG_HELP}
  -h, --help         this help`;

/** `evaluator heavy-ranker`. */
export async function heavyRankerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "evaluator heavy-ranker";
  const flags = parseFlags(command, argv, {
    checkpoint: { type: "string" },
    data: { type: "string" },
    config: { type: "string" },
    set: { type: "string", multiple: true },
    out: { type: "string" },
    "max-batches": { type: "string" },
    device: { type: "string" },
    scorer: { type: "string" },
  });
  if (flags.values.help === true) {
    io.stdout(`${HEAVY_RANKER_HELP}\n`);
    return 0;
  }
  const data = optionalString(flags, "data");
  const config = optionalString(flags, "config");
  const out = optionalString(flags, "out");
  const maxBatches = optionalInteger(command, flags, "max-batches", 1);
  const device = deviceFlag(command, flags);
  const printEngine = await selectCommandEngine(device, io);
  const result = await evaluateHeavyRankerRun({
    checkpoint: requiredString(command, flags, "checkpoint"),
    overrides: stringList(flags, "set"),
    device,
    scorer: scorerKind(command, optionalString(flags, "scorer")),
    ...(data ? { data } : {}),
    ...(config ? { config } : {}),
    ...(out ? { out } : {}),
    ...(maxBatches !== undefined ? { maxBatches } : {}),
  });
  io.stdout(
    `Heavy Ranker at step ${result.step} (${result.checkpoint}), scored by ${scorerLabel(result.scorer)}\n`,
  );
  io.stdout(`${formatTable(TASK_METRIC_COLUMNS, taskMetricRows(result.metrics))}\n`);
  if (result.strata.length > 0)
    io.stdout(`${formatTable(STRATUM_METRIC_COLUMNS, stratumMetricRows(result.strata))}\n`);
  if (result.unscored > 0)
    io.stdout(
      `note: ${result.unscored} of ${result.rows} rows were not scored (a short last batch)\n`,
    );
  io.stdout(`metrics: ${result.metricsJson}\nreport:  ${result.report?.html}\n`);
  printEngine();
  return 0;
}
