import { MultiTaskMetrics } from "@tml/core";
import { describe, expect, it } from "vitest";
import { addCalibration, addLogLoss, RECAP_TASK_METRICS } from "../task/recap-evaluation.js";
import { stratifiedMetrics, taskMetrics } from "./task-metrics.js";

describe("taskMetrics", () => {
  it("matches hand-computed AUROC, PR-AUC, RCE, rates, calibration and ECE", () => {
    // Positives at 0.8 and 0.4, negatives at 0.6 and 0.2: 3 of 4 pairs ordered → AUROC 0.75.
    const metrics = taskMetrics({
      task: "recap.engagement.is_favorited",
      predictions: [0.8, 0.6, 0.4, 0.2],
      labels: [1, 0, 1, 0],
    });
    expect(metrics.examples).toBe(4);
    expect(metrics.auroc).toBeCloseTo(0.75, 12);
    expect(metrics.ctr).toBeCloseTo(0.5, 12);
    expect(metrics.pctr).toBeCloseTo(0.5, 12);
    expect(metrics.calibration).toBeCloseTo(1, 12);
    // Average precision: ranks 1 (P=1) and 3 (P=2/3) → (1 + 2/3) / 2.
    expect(metrics.pr_auc).toBeCloseTo(5 / 6, 12);
    // Bins [0.2,0.3) [0.4,0.5) [0.6,0.7) [0.8,0.9): |0.2−0| + |0.4−1| + |0.6−0| + |0.8−1| over 4.
    expect(metrics.ece).toBeCloseTo((0.2 + 0.6 + 0.6 + 0.2) / 4, 12);
    // RCE against the 0.5 baseline: 100·(1 − CE/CE0), CE0 = ln 2 (probabilities clipped at 1e-7).
    const ce = -(Math.log(0.8) + Math.log(0.4) + Math.log(0.4) + Math.log(0.8)) / 4;
    expect(metrics.rce).toBeCloseTo(100 * (1 - ce / Math.LN2), 4);
  });

  it("weights calibration: pctr ÷ ctr of the weighted means", () => {
    // Weights 3, 1, 1, 1: ctr = (3·1 + 1·0 + 1·0 + 1·1) / 6 = 4/6,
    // pctr = (3·0.9 + 0.3 + 0.2 + 0.6) / 6 = 3.8/6, calibration = 3.8 / 4 = 0.95.
    const metrics = taskMetrics({
      task: "t",
      predictions: [0.9, 0.3, 0.2, 0.6],
      labels: [1, 0, 0, 1],
      weights: [3, 1, 1, 1],
    });
    expect(metrics.ctr).toBeCloseTo(4 / 6, 12);
    expect(metrics.pctr).toBeCloseTo(3.8 / 6, 12);
    expect(metrics.calibration).toBeCloseTo(0.95, 12);
    // Bins 2, 3, 6, 9 hold one row each: |0.2−0|·1 + |0.3−0|·1 + |0.6−1|·1 + |0.9−1|·3 over 6.
    expect(metrics.ece).toBeCloseTo((0.2 + 0.3 + 0.4 + 0.3) / 6, 12);
  });

  it("defines calibration as the training loop's evaluation does", () => {
    const values = addCalibration({ "pctr/a": 0.3, "ctr/a": 0.2 }, ["a"]);
    expect(values["calibration/a"]).toBeCloseTo(1.5, 12);
  });

  it("logloss is the weighted mean cross-entropy (hand-computed)", () => {
    const metrics = new MultiTaskMetrics({ taskNames: ["t"], metrics: RECAP_TASK_METRICS });
    metrics.update({
      predictions: Float32Array.of(0.9, 0.3, 0.2, 0.6),
      labels: Float32Array.of(1, 0, 0, 1),
      weights: Float32Array.of(3, 1, 1, 1),
    });
    const values = addLogLoss(metrics.compute(), ["t"]);
    // (3·−ln 0.9 + −ln 0.7 + −ln 0.8 + −ln 0.6) / 6 = (0.31608 + 0.35667 + 0.22314 + 0.51083) / 6
    const expected = (3 * -Math.log(0.9) - Math.log(0.7) - Math.log(0.8) - Math.log(0.6)) / 6;
    expect(expected).toBeCloseTo(0.234454, 5);
    expect(values["logloss/t"]).toBeCloseTo(expected, 5);
  });

  it("stratifiedMetrics: each stratifier's rows alone (hand-computed)", () => {
    // Rows 0-3 have country 7, rows 4-5 country 9. Country 7: positives 0.8, 0.7 over negatives
    // 0.4, 0.1 → AUROC 1, ctr 1/2 (weights 1), pctr 0.5. Country 9: positive 0.2 under negative
    // 0.6 → AUROC 0; weights 3 and 1 → ctr 3/4, pctr (3·0.2 + 0.6)/4 = 0.3.
    const [seven, nine] = stratifiedMetrics(
      [
        {
          task: "t",
          predictions: [0.8, 0.4, 0.7, 0.1, 0.2, 0.6],
          labels: [1, 0, 1, 0, 1, 0],
          weights: [1, 1, 1, 1, 3, 1],
        },
      ],
      [
        { name: "seven", index: 2, value: 7 },
        { name: "nine", index: 2, value: 9 },
      ],
      { seven: Int32Array.from([7, 7, 7, 7, 9, 9]), nine: Int32Array.from([7, 7, 7, 7, 9, 9]) },
    );
    expect(seven?.stratum).toBe("seven");
    expect(seven?.metrics[0]?.examples).toBe(4);
    expect(seven?.metrics[0]?.auroc).toBe(1);
    expect(seven?.metrics[0]?.ctr).toBeCloseTo(0.5, 12);
    expect(seven?.metrics[0]?.pctr).toBeCloseTo(0.5, 12);
    expect(nine?.metrics[0]?.examples).toBe(2);
    expect(nine?.metrics[0]?.auroc).toBe(0);
    expect(nine?.metrics[0]?.ctr).toBeCloseTo(0.75, 12);
    expect(nine?.metrics[0]?.pctr).toBeCloseTo(0.3, 12);
    expect(nine?.metrics[0]?.calibration).toBeCloseTo(0.4, 12);
  });
});
