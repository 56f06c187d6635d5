import {
  appendBatch,
  type BinaryBatch,
  type Calibration,
  calibration,
  computeCurve,
  computeMetric,
  createScoreBuffer,
} from "@tml/core";
import type { ScoredTask, StratumMetrics, TaskMetrics } from "@tml/heavy-ranker";
import {
  calibrationChart,
  histogramChart,
  precisionRecallChart,
  type ReportPlot,
  type ReportSection,
  rocChart,
} from "@tml/reports";

function batchOf(scored: ScoredTask): BinaryBatch {
  return {
    predictions: scored.predictions,
    labels: scored.labels,
    ...(scored.weights ? { weights: scored.weights } : {}),
  };
}

/** Columns of the per-task metric table (terminal and report). */
export const TASK_METRIC_COLUMNS = [
  "task",
  "examples",
  "auroc",
  "rce",
  "nrce",
  "pr_auc",
  "ctr",
  "pctr",
  "calibration",
  "ece",
] as const;

/** Table rows of `taskMetrics` results in `TASK_METRIC_COLUMNS` order. */
export function taskMetricRows(metrics: readonly TaskMetrics[]): (string | number)[][] {
  return metrics.map((m) => TASK_METRIC_COLUMNS.map((column) => m[column]));
}

/** Columns of the per-stratum metric table: the stratifier, then `TASK_METRIC_COLUMNS`. */
export const STRATUM_METRIC_COLUMNS = ["stratum", ...TASK_METRIC_COLUMNS] as const;

/** Table rows of `stratifiedMetrics` results: one row per stratifier and task. */
export function stratumMetricRows(strata: readonly StratumMetrics[]): (string | number)[][] {
  return strata.flatMap((stratum) =>
    taskMetricRows(stratum.metrics).map((row) => [
      `${stratum.stratum} (discrete[${stratum.index}] = ${stratum.value})`,
      ...row,
    ]),
  );
}

/** The report section of the per-stratum metric table; undefined without stratifiers. */
export function stratumMetricsSection(
  strata: readonly StratumMetrics[],
  prefix: string,
): ReportSection | undefined {
  if (strata.length === 0) return undefined;
  return {
    heading: `${prefix}: per-stratum metrics`,
    text: "The per-task metrics over the rows of each configured stratifier (model.stratifiers: rows whose discrete feature at index equals value).",
    table: { columns: [...STRATUM_METRIC_COLUMNS], rows: stratumMetricRows(strata) },
  };
}

function shortName(task: string): string {
  return task.replace(/^recap\.engagement\./, "");
}

function plotName(text: string): string {
  return text.replace(/[^\w-]+/g, "_");
}

/**
 * Report sections for per-task binary predictions and their metrics (heavy-ranker's
 * `taskMetrics`): the metric table, then ROC and precision–recall curves of all tasks, one
 * reliability diagram and one score histogram per task.
 */
export function binaryTaskSections(
  scored: readonly ScoredTask[],
  metrics: readonly TaskMetrics[],
  prefix: string,
): ReportSection[] {
  const roc = [];
  const pr = [];
  const reliability = [];
  const histograms: ReportPlot[] = [];
  for (const task of scored) {
    const buffer = appendBatch(createScoreBuffer(task.predictions.length), batchOf(task), "curve");
    const points = computeCurve(buffer, 400);
    const name = shortName(task.task);
    roc.push({
      name,
      x: points.map((p) => p.falsePositiveRate),
      y: points.map((p) => p.truePositiveRate),
    });
    pr.push({ name, x: points.map((p) => p.recall), y: points.map((p) => p.precision) });
    const bins: Calibration = computeMetric(calibration(10), batchOf(task));
    const used = bins.bins.filter((bin) => bin.weight > 0);
    reliability.push({
      name,
      x: used.map((bin) => bin.meanPrediction),
      y: used.map((bin) => bin.labelRate),
    });
    histograms.push({
      name: plotName(`${prefix}-scores-${name}`),
      spec: histogramChart(`${name}: predicted probability`, task.predictions, "probability"),
    });
  }
  const sections: ReportSection[] = [
    {
      heading: `${prefix}: per-task metrics`,
      text: "AUROC (Mann–Whitney), RCE and NRCE in percent (relative cross-entropy gain over the label-rate baseline), PR-AUC (average precision), label rate (ctr), mean prediction (pctr), calibration = pctr ÷ ctr, and expected calibration error (10 bins).",
      table: { columns: [...TASK_METRIC_COLUMNS], rows: taskMetricRows(metrics) },
    },
    {
      heading: `${prefix}: ROC and precision–recall`,
      plots: [
        { name: plotName(`${prefix}-roc`), spec: rocChart("ROC curves", roc) },
        { name: plotName(`${prefix}-pr`), spec: precisionRecallChart("Precision–recall", pr) },
      ],
    },
    {
      heading: `${prefix}: calibration and scores`,
      plots: [
        {
          name: plotName(`${prefix}-calibration`),
          spec: calibrationChart("Reliability (10 bins)", reliability),
        },
        ...histograms,
      ],
    },
  ];
  return sections;
}
