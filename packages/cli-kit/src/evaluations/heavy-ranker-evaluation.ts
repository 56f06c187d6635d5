import { join } from "node:path";
import { createLogger, type Logger, writeFileAtomic } from "@tml/core";
import {
  evaluateRankerCheckpoint,
  type ScorerKind,
  type StratumMetrics,
  type TaskMetrics,
} from "@tml/heavy-ranker";
import { type ReportSection, readMetricsLog, type WrittenReport, writeReport } from "@tml/reports";
import { binaryTaskSections, stratumMetricsSection } from "../reports/binary-tasks.js";
import { trainingCurvesSection } from "../reports/training-curves.js";
import { locateRun, runConfigFile } from "../run-location.js";
import type { RunEvaluationOptions } from "./run-evaluation-options.js";
import { scorerLabel } from "./scorer-label.js";

/** Options of `evaluateHeavyRankerRun`. */
export interface EvaluateHeavyRankerRunOptions extends RunEvaluationOptions {
  /** Parquet glob of the rows to evaluate (default: the config's first validation partition). */
  data?: string;
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
  /** The metrics over each of the config's `model.stratifiers` (empty without any). */
  strata: StratumMetrics[];
  out: string;
  metricsJson: string;
  /** The written report, unless `report: false`. */
  report: WrittenReport | undefined;
  sections: ReportSection[];
}

/**
 * `evaluator heavy-ranker` on a run: heavy-ranker's `evaluateRankerCheckpoint` (per-task AUROC,
 * RCE, NRCE, PR-AUC, calibration, ECE, overall and per stratifier), written as `metrics.json` and a self-contained
 * `report.html` (training curves from the run's `metrics.jsonl`, ROC / precision–recall /
 * reliability curves, score histograms) with PNGs of every plot. Every input is checked before
 * anything is written.
 */
export async function evaluateHeavyRankerRun(
  options: EvaluateHeavyRankerRunOptions,
): Promise<HeavyRankerEvaluation> {
  const location = locateRun(options.checkpoint, "heavy-ranker");
  const configFile = runConfigFile(
    "evaluator heavy-ranker",
    location,
    options.checkpoint,
    options.config,
  );
  const evaluation = await evaluateRankerCheckpoint({
    command: "evaluator heavy-ranker",
    configFile,
    overrides: options.overrides ?? [],
    checkpoint: location.checkpoint,
    device: options.device ?? "auto",
    ...(options.data ? { data: options.data } : {}),
    ...(options.scorer ? { scorer: options.scorer } : {}),
    ...(options.maxBatches !== undefined ? { maxBatches: options.maxBatches } : {}),
    logger: options.logger ?? createLogger({ name: "evaluator", level: "warn" }),
  });
  const { metrics, strata, rows, unscored, runtimeVersion } = evaluation;
  const [table, ...plots] = binaryTaskSections(evaluation.tasks, metrics, "heavy-ranker");
  const curves = location.metricsFile
    ? trainingCurvesSection(readMetricsLog(location.metricsFile), "heavy-ranker")
    : undefined;
  const strataTable = stratumMetricsSection(strata, "heavy-ranker");
  const sections = [
    table as ReportSection,
    ...(strataTable ? [strataTable] : []),
    ...(curves ? [curves] : []),
    ...plots,
  ];
  const out = options.out ?? join(location.root ?? ".", "evaluation");
  const metricsJson = join(out, "metrics.json");
  writeFileAtomic(
    metricsJson,
    `${JSON.stringify({ model: "heavy-ranker", step: evaluation.step, checkpoint: evaluation.checkpoint, scorer: evaluation.scorer, onnxruntime: runtimeVersion ?? null, data: options.data ?? null, rows, unscored, tasks: metrics, strata }, null, 2)}\n`,
  );
  const report =
    options.report === false
      ? undefined
      : await writeReport(out, {
          title: "Heavy Ranker evaluation",
          subtitle: `checkpoint ${evaluation.checkpoint} (step ${evaluation.step}); ${metrics[0]?.examples ?? 0} rows scored by ${scorerLabel(evaluation.scorer, runtimeVersion)}`,
          sections,
        });
  return {
    step: evaluation.step,
    rows,
    unscored,
    checkpoint: evaluation.checkpoint,
    scorer: evaluation.scorer,
    metrics,
    strata,
    out,
    metricsJson,
    report,
    sections,
  };
}
