import { calibration, computeMetric, MultiTaskMetrics } from "@tml/core";
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
