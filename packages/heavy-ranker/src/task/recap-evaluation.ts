import * as tf from "@tensorflow/tfjs-core";
import { aurocMwu, averagePrecision, ctr, MultiTaskMetrics, nrce, pctr, rce } from "@tml/core";
import type { RecapBatch } from "../features/recap-batch.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { alignedTargets } from "./aligned-targets.js";

/** Which model probability the metrics score. */
export type EvaluatedProbability = "probabilities" | "calibratedProbabilities";

/**
 * Per-task evaluation of a ranking model in eval mode (running batch-norm statistics, no dropout):
 * weighted AUROC (Mann-Whitney), RCE and NRCE (percent), PR-AUC (average precision), label rate
 * (`ctr`), mean prediction (`pctr`) and `calibration` = pctr / ctr (1 = calibrated). Keys are
 * `<metric>/<task>`; `loss` is not included (see the train task).
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
      metrics: { auroc: aurocMwu, rce, nrce, pr_auc: averagePrecision, ctr, pctr },
    });
  }

  /** Scores one batch and adds it to every task's metrics (one device→host read of [B, T] ×3). */
  update(batch: RecapBatch): void {
    const [predictions, labels, weights] = tf.tidy(() => {
      const outputs = this.model.apply(batch, { training: false });
      const targets = alignedTargets(batch, this.model.taskNames);
      return [outputs[this.scored], targets.labels, targets.weights].map((tensor) =>
        tf.keep(tensor.clone()),
      );
    }) as tf.Tensor[];
    try {
      this.metrics.update({
        predictions: (predictions as tf.Tensor).dataSync(),
        labels: (labels as tf.Tensor).dataSync(),
        weights: (weights as tf.Tensor).dataSync(),
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

  /** Every metric, keyed `<metric>/<task>`, plus `calibration/<task>`. */
  compute(): Record<string, number> {
    const values = this.metrics.compute();
    for (const task of this.model.taskNames) {
      values[`calibration/${task}`] =
        (values[`pctr/${task}`] as number) / (values[`ctr/${task}`] as number);
    }
    return values;
  }

  /** Clears the metric states. */
  reset(): void {
    this.metrics.reset();
    this.rows = 0;
  }
}
