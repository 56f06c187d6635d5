import { join } from "node:path";
import { createLogger, type Logger, UsageError, writeFileAtomic } from "@tml/core";
import { countParquetRows } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { loadRecapConfig, type RecapConfig, selectInputFiles } from "@tml/heavy-ranker";
import { type ReportSection, readMetricsLog, type WrittenReport, writeReport } from "@tml/reports";
import { binaryTaskSections, type TaskMetrics } from "../reports/binary-tasks.js";
import { trainingCurvesSection } from "../reports/training-curves.js";
import { loadScorerRuntime, type ScorerKind, scorerLabel } from "./ranker-scorer.js";
import { checkRankerCheckpoint } from "./recap-model.js";
import { locateRun } from "./run-location.js";
import { scoreHeavyRanker } from "./score-heavy-ranker.js";

/** Options of `evaluateHeavyRankerRun`. */
export interface EvaluateHeavyRankerRunOptions {
  /** Write report.html and its PNGs (default true; false when a caller assembles its own). */
  report?: boolean;
  /** A trainer run directory, its `checkpoints/`, or one checkpoint. */
  checkpoint: string;
  /** Parquet glob of the rows to evaluate (default: the config's first validation partition). */
  data?: string;
  /** Recap config (default: the run's resolved `config.yaml`). */
  config?: string;
  overrides?: readonly string[];
  /** Output directory (default `<run>/evaluation`, or `./evaluation` outside a run). */
  out?: string;
  device?: string;
  maxBatches?: number;
  /** tfjs model (default) or its ONNX graph in fp32 / int8 (onnxruntime-node). */
  scorer?: ScorerKind;
  logger?: Logger;
}

/** What `evaluateHeavyRankerRun` computed and wrote. */
export interface HeavyRankerEvaluation {
  step: number;
  /** Rows in the evaluated data, and rows left out (a short last batch no divisor avoided). */
  rows: number;
  unscored: number;
  checkpoint: string;
  /** Which scorer computed the predictions. */
  scorer: ScorerKind;
  metrics: TaskMetrics[];
  out: string;
  metricsJson: string;
  /** The written report, unless `report: false`. */
  report: WrittenReport | undefined;
  sections: ReportSection[];
}

/**
 * The config with the evaluated data as train_data (for feature widths) and partition `evaluation`.
 * The eval pass drops a short last batch, so the batch size becomes the largest divisor of the row
 * count between half and all of the configured size when there is one; `unscored` counts the rows
 * left out otherwise.
 */
async function withData(
  config: RecapConfig,
  data: string | undefined,
): Promise<{ config: RecapConfig; rows: number; unscored: number }> {
  const base = Object.values(config.validation_data)[0] ?? config.train_data;
  const evaluation = data ? { ...base, inputs: data } : base;
  let rows = 0;
  for (const file of await selectInputFiles(evaluation)) rows += await countParquetRows(file);
  const batch = evaluation.global_batch_size;
  let size = batch;
  for (let candidate = Math.min(batch, rows); candidate >= Math.ceil(batch / 2); candidate--) {
    if (rows % candidate === 0) {
      size = candidate;
      break;
    }
  }
  return {
    config: {
      ...config,
      train_data: data ? { ...config.train_data, inputs: data } : config.train_data,
      validation_data: { evaluation: { ...evaluation, global_batch_size: size } },
    },
    rows,
    unscored: rows % size,
  };
}

/**
 * Evaluates a Heavy Ranker checkpoint on held-out rows: per-task AUROC, RCE, NRCE, PR-AUC and
 * calibration, written as `metrics.json` and a self-contained `report.html` (training curves from
 * the run's `metrics.jsonl`, ROC / precision–recall / reliability curves, score histograms) with
 * PNGs of every plot. Every input is checked before anything is written.
 */
export async function evaluateHeavyRankerRun(
  options: EvaluateHeavyRankerRunOptions,
): Promise<HeavyRankerEvaluation> {
  const location = locateRun(options.checkpoint);
  const configFile = options.config ?? location.configFile;
  if (!configFile) {
    throw new UsageError(
      `evaluator heavy-ranker: ${options.checkpoint} is not inside a trainer run directory (no config.yaml); pass --config.`,
    );
  }
  await checkRankerCheckpoint(location.checkpoint);
  const { config, rows, unscored } = await withData(
    loadRecapConfig(configFile, { overrides: options.overrides ?? [] }),
    options.data,
  );
  const logger = options.logger ?? createLogger({ name: "evaluator", level: "warn" });
  await selectEngine({ device: options.device ?? "auto", logger });
  const scorer = options.scorer ?? "tfjs";
  const runtime = loadScorerRuntime("evaluator heavy-ranker", scorer);
  const scores = await scoreHeavyRanker({
    config,
    checkpoint: location.checkpoint,
    partition: "evaluation",
    scorer,
    ...(runtime ? { runtime } : {}),
    ...(options.maxBatches !== undefined ? { maxBatches: options.maxBatches } : {}),
  });
  const { sections: taskSections, metrics } = binaryTaskSections(scores.tasks, "heavy-ranker");
  const curves = location.metricsFile
    ? trainingCurvesSection(readMetricsLog(location.metricsFile), "heavy-ranker")
    : undefined;
  const [table, ...plots] = taskSections;
  const sections = [table as ReportSection, ...(curves ? [curves] : []), ...plots];
  const out = options.out ?? join(location.root ?? ".", "evaluation");
  const metricsJson = join(out, "metrics.json");
  writeFileAtomic(
    metricsJson,
    `${JSON.stringify({ model: "heavy-ranker", step: scores.step, checkpoint: scores.checkpoint, scorer: scores.scorer, onnxruntime: runtime?.version ?? null, data: options.data ?? null, rows, unscored, tasks: metrics }, null, 2)}\n`,
  );
  const report =
    options.report === false
      ? undefined
      : await writeReport(out, {
          title: "Heavy Ranker evaluation",
          subtitle: `checkpoint ${scores.checkpoint} (step ${scores.step}); ${metrics[0]?.examples ?? 0} rows scored by ${scorerLabel(scores.scorer, runtime?.version)}`,
          sections,
        });
  return {
    step: scores.step,
    rows,
    unscored,
    checkpoint: scores.checkpoint,
    scorer: scores.scorer,
    metrics,
    out,
    metricsJson,
    report,
    sections,
  };
}
