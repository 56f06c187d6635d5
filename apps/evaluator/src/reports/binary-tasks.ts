import {
  appendBatch,
  aurocMwu,
  averagePrecision,
  type BinaryBatch,
  type Calibration,
  calibration,
  computeCurve,
  createScoreBuffer,
  ctr,
  type Metric,
  nrce,
  pctr,
  rce,
} from "@tml/core";
import {
  calibrationChart,
  histogramChart,
  precisionRecallChart,
  type ReportPlot,
  type ReportSection,
  rocChart,
} from "@tml/reports";

/** One task's held-out predictions: probabilities, 0/1 labels and example weights, all length n. */
export interface ScoredTask {
  task: string;
  predictions: ArrayLike<number>;
  labels: ArrayLike<number>;
  weights?: ArrayLike<number>;
}

/** Per-task metric values (AUROC, RCE and NRCE in percent, PR-AUC, rates, calibration). */
export interface TaskMetrics {
  task: string;
  examples: number;
  auroc: number;
  rce: number;
  nrce: number;
  pr_auc: number;
  ctr: number;
  pctr: number;
  /** pctr ÷ ctr (1 = calibrated on average). */
  calibration: number;
  /** Expected calibration error over 10 equal-width bins. */
  ece: number;
}

function run<State, Value>(metric: Metric<State, BinaryBatch, Value>, batch: BinaryBatch): Value {
  return metric.compute(metric.update(metric.init(), batch));
}

function batchOf(scored: ScoredTask): BinaryBatch {
  return {
    predictions: scored.predictions,
    labels: scored.labels,
    ...(scored.weights ? { weights: scored.weights } : {}),
  };
}

/** Computes every task metric with core's metrics (the same code the training loop logs). */
export function taskMetrics(scored: ScoredTask): TaskMetrics {
  const batch = batchOf(scored);
  const bins = run(calibration(10), batch);
  return {
    task: scored.task,
    examples: scored.predictions.length,
    auroc: run(aurocMwu(), batch),
    rce: run(rce(), batch),
    nrce: run(nrce(), batch),
    pr_auc: run(averagePrecision(), batch),
    ctr: run(ctr(), batch),
    pctr: run(pctr(), batch),
    calibration: bins.ratio,
    ece: bins.expectedCalibrationError,
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

function shortName(task: string): string {
  return task.replace(/^recap\.engagement\./, "");
}

function plotName(text: string): string {
  return text.replace(/[^\w-]+/g, "_");
}

/**
 * Report sections for per-task binary predictions: the metric table, then ROC and
 * precision–recall curves of all tasks, one reliability diagram and one score histogram per task.
 */
export function binaryTaskSections(
  scored: readonly ScoredTask[],
  prefix: string,
): { sections: ReportSection[]; metrics: TaskMetrics[] } {
  const metrics = scored.map(taskMetrics);
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
    const bins: Calibration = run(calibration(10), batchOf(task));
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
  return { sections, metrics };
}
