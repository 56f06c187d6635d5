import * as tf from "@tensorflow/tfjs-core";
import { MultiTaskMetrics, Rng, TmlError } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import { disposeRecapBatch, type RecapBatch } from "../features/recap-batch.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { taskMetrics } from "../run/task-metrics.js";
import { RecapEvaluation, stratifiedTaskMetrics } from "./recap-evaluation.js";

beforeAll(setupTestBackend);

describe("stratifiedTaskMetrics", () => {
  it("restricts every metric to the stratum's rows (hand-computed)", () => {
    // Two tasks, six rows; discrete column `country`: rows 0-2 are 7, rows 3-5 are 9.
    // Task a in country 7: positives at 0.9, 0.6, negative at 0.3 → AUROC 1, ctr 2/3, pctr 0.6.
    // Task a in country 9: positive at 0.2, negatives at 0.8, 0.5 → AUROC 0, ctr 1/3, pctr 0.5.
    const predictions = [0.9, 0.1, 0.6, 0.2, 0.3, 0.4, 0.2, 0.5, 0.8, 0.6, 0.5, 0.7];
    const labels = [1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1];
    const country = Int32Array.from([7, 7, 7, 9, 9, 9]);
    const stratum = (value: number) => {
      const metrics = new MultiTaskMetrics({
        taskNames: ["a", "b"],
        metrics: stratifiedTaskMetrics({ name: "country", index: 0, value }),
      });
      metrics.update({ predictions, labels, stratifiers: { country } });
      return metrics.compute();
    };
    const seven = stratum(7);
    const nine = stratum(9);
    expect(seven["auroc/a"]).toBe(1);
    expect(seven["ctr/a"]).toBeCloseTo(2 / 3, 12);
    expect(seven["pctr/a"]).toBeCloseTo(0.6, 12);
    expect(nine["auroc/a"]).toBe(0);
    expect(nine["ctr/a"]).toBeCloseTo(1 / 3, 12);
    expect(nine["pctr/a"]).toBeCloseTo(0.5, 12);
    // Task b in country 7: positive 0.2 between negatives 0.1 and 0.4 → AUROC 0.5.
    expect(seven["auroc/b"]).toBe(0.5);
    // Task b in country 9: positives 0.5 and 0.7 around negative 0.6 → AUROC 0.5, ctr 2/3.
    expect(nine["auroc/b"]).toBe(0.5);
    expect(nine["ctr/b"]).toBeCloseTo(2 / 3, 12);
    // No rows in a stratum: rates are NaN.
    expect(Number.isNaN(stratum(3)["ctr/a"])).toBe(true);
  });
});

const TASKS = ["t.a"];

/** An untrained model's batch whose labels rank perfectly in stratum 1 and inversely in 0. */
function strataBatch(model: MultiTaskRankingModel, rows: number): RecapBatch {
  const rng = new Rng(11);
  const continuous = Float32Array.from({ length: rows * 3 }, () => rng.normal());
  const group = Int32Array.from({ length: rows }, (_, row) => row % 2);
  const unlabelled: RecapBatch = {
    size: rows,
    continuous: tf.tensor2d(continuous, [rows, 3]),
    binary: tf.zeros([rows, 1]) as tf.Tensor2D,
    discrete: tf.tensor2d(
      Int32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 1 ? group[i >> 1]! : 5)),
      [rows, 2],
      "int32",
    ),
    labels: tf.zeros([rows, 1]) as tf.Tensor2D,
    weights: tf.ones([rows, 1]) as tf.Tensor2D,
    taskNames: TASKS,
  };
  const probabilities = tf.tidy(() =>
    model.apply(unlabelled, { training: false }).probabilities.dataSync(),
  );
  const sorted = Float32Array.from(probabilities).sort();
  const median = sorted[rows >> 1]!;
  const labels = Float32Array.from(probabilities, (p, row) =>
    group[row] === 1 ? Number(p >= median) : Number(p < median),
  );
  unlabelled.labels.dispose();
  return { ...unlabelled, labels: tf.tensor2d(labels, [rows, 1]) };
}

describe("RecapEvaluation with stratifiers", () => {
  const config = recapModelConfigSchema.parse({
    tasks: { "t.a": { mlp_config: { layer_sizes: [4, 1] } } },
    featurization_config: { log1p_abs_config: {}, feature_names_to_concat: [] },
    stratifiers: [
      { name: "ranked", index: 1, value: 1 },
      { name: "inverted", index: 1, value: 0 },
    ],
  });

  it("reports each metric per stratum under <metric>/<task>/<stratifier>", async () => {
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 3,
      binaryWidth: 1,
      seed: 2,
    });
    const batch = strataBatch(model, 64);
    const probabilities = tf.tidy(() =>
      Float32Array.from(model.apply(batch, { training: false }).probabilities.dataSync()),
    );
    const labels = Float32Array.from(batch.labels.dataSync());
    const evaluation = new RecapEvaluation(model);
    await evaluation.update(batch);
    const metrics = evaluation.compute();
    expect(metrics["auroc/t.a/ranked"]).toBe(1);
    expect(metrics["auroc/t.a/inverted"]).toBe(0);
    expect(metrics["eval_examples/ranked"]).toBe(32);
    expect(metrics["eval_examples/inverted"]).toBe(32);
    // Each stratum's values equal the metrics of its rows alone (odd rows are stratum "ranked").
    for (const [name, parity] of [
      ["ranked", 1],
      ["inverted", 0],
    ] as const) {
      const rows = [...probabilities.keys()].filter((row) => row % 2 === parity);
      const alone = taskMetrics({
        task: "t.a",
        predictions: rows.map((row) => probabilities[row]!),
        labels: rows.map((row) => labels[row]!),
      });
      for (const key of ["rce", "nrce", "pr_auc", "ctr", "pctr", "calibration"] as const)
        expect(metrics[`${key}/t.a/${name}`]).toBeCloseTo(alone[key], 5);
      expect(Number.isFinite(metrics[`logloss/t.a/${name}`])).toBe(true);
    }
    expect(metrics["auroc/t.a"]).toBeGreaterThan(0);
    expect(metrics["auroc/t.a"]).toBeLessThan(1);
    disposeRecapBatch(batch);
    model.dispose();
  });

  it("a stratifier index beyond the discrete columns is a DataError naming it", async () => {
    const wide = recapModelConfigSchema.parse({
      ...config,
      stratifiers: [{ name: "far", index: 4, value: 1 }],
    });
    const model = new MultiTaskRankingModel({
      config: wide,
      continuousWidth: 3,
      binaryWidth: 1,
      seed: 2,
    });
    const batch = strataBatch(model, 8);
    try {
      await new RecapEvaluation(model).update(batch);
      expect.unreachable();
    } catch (error) {
      expect(TmlError.isInstance(error, "DATA")).toBe(true);
      expect(String(error)).toContain('Stratifier "far" reads discrete column 4');
    }
    disposeRecapBatch(batch);
    model.dispose();
  });
});
