import * as tf from "@tensorflow/tfjs-core";
import {
  aurocMwu,
  averagePrecision,
  clippedBinaryCrossEntropy,
  ctr,
  MultiTaskMetrics,
  nrce,
  pctr,
  rce,
} from "@tml/core";
import type { RecapBatch } from "../features/recap-batch.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { alignedTargets } from "./aligned-targets.js";

/**
 * The per-task metrics of every Heavy Ranker evaluation (during training and of a checkpoint), by
 * report key: weighted AUROC via the Mann-Whitney U statistic (`metrics/auroc.py`), RCE and NRCE in
 * percent (`metrics/rce.py`), PR-AUC (average precision), and the label and prediction means `Ctr`
 * and `Pctr` of `core/metrics.py`.
 */
export const RECAP_TASK_METRICS = {
  auroc: aurocMwu,
  rce,
  nrce,
  pr_auc: averagePrecision,
  ctr,
  pctr,
} as const;

/**
 * Adds `calibration/<task>` = `pctr/<task>` ÷ `ctr/<task>` to `values` (and returns it): mean
 * prediction over label rate, 1 when calibrated on average, > 1 when the model over-predicts. The
 * one calibration metric of tml-ts: the ratio of the `Pctr` and `Ctr` means of `core/metrics.py`
 * (core's stable means, weighted by the example weights like every metric here).
 */
export function addCalibration(
  values: Record<string, number>,
  taskNames: readonly string[],
): Record<string, number> {
  for (const task of taskNames) {
    values[`calibration/${task}`] =
      (values[`pctr/${task}`] as number) / (values[`ctr/${task}`] as number);
  }
  return values;
}

/**
 * Adds `logloss/<task>` (and returns `values`): the mean binary cross-entropy of the predictions
 * (weighted, with RCE's clipping ε = 1e-7), the "logloss" of CTR benchmarks. It is read back from
 * RCE exactly: RCE = 100 × (1 − logloss ÷ H(ctr)), H(ctr) the cross-entropy of predicting the label
 * mean, so logloss = H(ctr) × (1 − RCE ÷ 100).
 */
export function addLogLoss(
  values: Record<string, number>,
  taskNames: readonly string[],
): Record<string, number> {
  for (const task of taskNames) {
    const labelMean = values[`ctr/${task}`] as number;
    const baseline = clippedBinaryCrossEntropy(labelMean, labelMean, 1e-7);
    values[`logloss/${task}`] = baseline * (1 - (values[`rce/${task}`] as number) / 100);
  }
  return values;
}

/** Which model probability the metrics score. */
export type EvaluatedProbability = "probabilities" | "calibratedProbabilities";

/**
 * Per-task evaluation of a ranking model in eval mode (running batch-norm statistics, no dropout):
 * `RECAP_TASK_METRICS`, `calibration` (`addCalibration`) and `logloss` (`addLogLoss`) per task. Keys are `<metric>/<task>`;
 * `loss` is not included (see the train task).
 */
export class RecapEvaluation {
  private readonly metrics: MultiTaskMetrics;
  private rows = 0;

  constructor(
    private readonly model: MultiTaskRankingModel,
    private readonly scored: EvaluatedProbability = "probabilities",
  ) {
    this.metrics = new MultiTaskMetrics({
      taskNames: model.taskNames,
      metrics: RECAP_TASK_METRICS,
    });
  }

  /**
   * Scores one batch and adds it to every task's metrics (one asynchronous device→host read of
   * [B, T] ×3).
   */
  async update(batch: RecapBatch): Promise<void> {
    const [predictions, labels, weights] = tf.tidy(() => {
      const outputs = this.model.apply(batch, { training: false });
      const targets = alignedTargets(batch, this.model.taskNames);
      return [outputs[this.scored], targets.labels, targets.weights].map((tensor) =>
        tf.keep(tensor.clone()),
      );
    }) as tf.Tensor[];
    try {
      const [predictionValues, labelValues, weightValues] = await Promise.all(
        [predictions, labels, weights].map((tensor) => (tensor as tf.Tensor).data()),
      );
      this.metrics.update({
        predictions: predictionValues as tf.TypedArray,
        labels: labelValues as tf.TypedArray,
        weights: weightValues as tf.TypedArray,
      });
      this.rows += batch.size;
    } finally {
      for (const tensor of [predictions, labels, weights]) tensor?.dispose();
    }
  }

  /** Rows scored since the last reset. */
  get count(): number {
    return this.rows;
  }

  /** Every metric, keyed `<metric>/<task>`, plus `calibration/<task>` and `logloss/<task>`. */
  compute(): Record<string, number> {
    const values = addCalibration(this.metrics.compute(), this.model.taskNames);
    return addLogLoss(values, this.model.taskNames);
  }

  /** Clears the metric states. */
  reset(): void {
    this.metrics.reset();
    this.rows = 0;
  }
}
