import { calibration, computeMetric, MultiTaskMetrics, selectStratum } from "@tml/core";
import type { StratifierConfig } from "../config/model-config.js";
import { addCalibration, RECAP_TASK_METRICS } from "../task/recap-evaluation.js";

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
  /** Rows scored (unweighted). */
  examples: number;
  auroc: number;
  rce: number;
  nrce: number;
  pr_auc: number;
  /** Weighted label rate. */
  ctr: number;
  /** Weighted mean prediction. */
  pctr: number;
  /** pctr ÷ ctr (1 = calibrated on average; `addCalibration`). */
  calibration: number;
  /** Expected calibration error over 10 equal-width prediction bins. */
  ece: number;
}

/**
 * Every metric of one task's scored rows: `RECAP_TASK_METRICS` and `addCalibration`, the same
 * definitions the training loop's evaluation logs, plus the expected calibration error of core's
 * 10-bin `calibration` metric.
 */
export function taskMetrics(scored: ScoredTask): TaskMetrics {
  const metrics = new MultiTaskMetrics({ taskNames: [scored.task], metrics: RECAP_TASK_METRICS });
  const batch = {
    predictions: scored.predictions,
    labels: scored.labels,
    ...(scored.weights ? { weights: scored.weights } : {}),
  };
  metrics.update(batch);
  const values = addCalibration(metrics.compute(), [scored.task]);
  const value = (name: string) => values[`${name}/${scored.task}`] as number;
  return {
    task: scored.task,
    examples: scored.predictions.length,
    auroc: value("auroc"),
    rce: value("rce"),
    nrce: value("nrce"),
    pr_auc: value("pr_auc"),
    ctr: value("ctr"),
    pctr: value("pctr"),
    calibration: value("calibration"),
    ece: computeMetric(calibration(10), batch).expectedCalibrationError,
  };
}

/** One stratifier's per-task metrics (the rows where `discrete[:, index] == value`). */
export interface StratumMetrics {
  /** The stratifier's name (`model.stratifiers[].name`). */
  stratum: string;
  index: number;
  value: number;
  metrics: TaskMetrics[];
}

/**
 * `taskMetrics` of each task over each stratifier's rows: `columns` holds each stratifier's
 * discrete column (length n, as the tasks' rows), by name.
 */
export function stratifiedMetrics(
  tasks: readonly ScoredTask[],
  stratifiers: readonly StratifierConfig[],
  columns: Readonly<Record<string, Int32Array>>,
): StratumMetrics[] {
  return stratifiers.map(({ name, index, value }) => ({
    stratum: name,
    index,
    value,
    metrics: tasks.map((scored) => {
      const selected = selectStratum(
        {
          predictions: scored.predictions,
          labels: scored.labels,
          ...(scored.weights ? { weights: scored.weights } : {}),
          stratifiers: columns,
        },
        { name, value },
      );
      return taskMetrics({
        task: scored.task,
        predictions: selected.predictions,
        labels: selected.labels,
        ...(selected.weights === undefined
          ? {}
          : { weights: selected.weights as ArrayLike<number> }),
      });
    }),
  }));
}
