import { describe, expect, it } from "vitest";
import { DataError } from "../errors/index.js";
import { Rng } from "../rng/index.js";
import { aurocMwu } from "./auroc.js";
import { calibration } from "./calibration.js";
import { averagePrecision, curvePoints } from "./curves.js";
import { count, ctr, pctr } from "./label-rates.js";
import { type BinaryBatch, computeMetric } from "./metric.js";
import { precision, recall } from "./precision-recall.js";
import { nrce, rce } from "./rce.js";
import { sampledAuc } from "./sampled-auc.js";
import { stableMean } from "./stable-mean.js";

const evaluate = computeMetric;

const SPEC = { predictions: [0.9, 0.2, 0.6, 0.1], labels: [1, 0, 1, 0] } satisfies BinaryBatch;

describe("StableMean", () => {
  it("computes weighted means, merges, and stays exact on large offsets", () => {
    expect(evaluate(stableMean(), { values: [1, 2, 3, 4] })).toBe(2.5);
    expect(evaluate(stableMean(), { values: [1, 3], weights: [3, 1] })).toBe(1.5);
    expect(evaluate(stableMean(), { values: [] })).toBeNaN();
    const metric = stableMean();
    const a = metric.update(metric.init(), { values: [1, 3], weights: [3, 1] });
    const b = metric.update(metric.init(), { values: [10], weights: 4 });
    // (1·3 + 3·1 + 10·4) / 8 = 5.75
    expect(metric.compute(metric.merge!(a, b))).toBeCloseTo(5.75, 12);
    const values = Float64Array.from({ length: 100_000 }, (_, i) => 1e8 + (i % 2));
    expect(evaluate(stableMean(), { values })).toBeCloseTo(1e8 + 0.5, 6);
  });
});

describe("AUROC (Mann-Whitney U)", () => {
  it("reproduces the three worked examples", () => {
    const labels = [0, 0, 1, 1];
    expect(evaluate(aurocMwu(), { predictions: [0.1, 0.4, 0.35, 0.8], labels })).toBe(0.75);
    expect(evaluate(aurocMwu(), { predictions: [0.5, 0.5, 0.5, 0.5], labels })).toBe(0.5);
    expect(evaluate(aurocMwu(), { predictions: [0.1, 0.5, 0.5, 0.8], labels })).toBe(0.875);
  });

  it("equals the brute-force weighted pair count on random data with ties", () => {
    const rng = new Rng(3);
    const n = 300;
    const predictions = Float64Array.from({ length: n }, () => Math.round(rng.next() * 20) / 20);
    const labels = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    const weights = Float64Array.from({ length: n }, () => 0.5 + rng.next());
    let concordant = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        const w = weights[i]! * weights[j]!;
        pairs += w;
        if (predictions[i]! > predictions[j]!) concordant += w;
        else if (predictions[i] === predictions[j]) concordant += w / 2;
      }
    }
    const value = evaluate(
      aurocMwu(),
      {
        predictions: predictions.subarray(0, 100),
        labels: labels.subarray(0, 100),
        weights: weights.subarray(0, 100),
      },
      {
        predictions: predictions.subarray(100),
        labels: labels.subarray(100),
        weights: weights.subarray(100),
      },
    );
    expect(value).toBeCloseTo(concordant / pairs, 12);
  });

  it("weights examples, accumulates across batches, and flags a missing class", () => {
    // Positives 0.35 (negative weight 1 below) and 0.8 (3 below): (1 + 3) / (2 · 3).
    const value = evaluate(
      aurocMwu(),
      { predictions: [0.1, 0.4], labels: [0, 0], weights: [1, 2] },
      { predictions: [0.35, 0.8], labels: [1, 1] },
    );
    expect(value).toBeCloseTo(4 / 6, 12);
    expect(evaluate(aurocMwu(), { predictions: [0.1, 0.2], labels: [1, 1] })).toBeNaN();
    expect(() =>
      evaluate(aurocMwu({ raiseMissingClass: true }), { predictions: [0.1], labels: [0] }),
    ).toThrow(DataError);
    expect(() => evaluate(aurocMwu(), { predictions: [0.1, Number.NaN], labels: [0, 1] })).toThrow(
      /prediction 1 of the batch is NaN/,
    );
    expect(() => evaluate(aurocMwu(), { predictions: [0.1], labels: [0, 1] })).toThrow(DataError);
  });
});

describe("RCE and NRCE", () => {
  it("reproduce the worked examples (65.93 and 72.06)", () => {
    // CE = (−ln .9 − ln .8 − ln .6 − ln .9)/4 = 0.236172; baseline = ln 2.
    expect(evaluate(rce(), SPEC)).toBeCloseTo(65.9275, 3);
    // Normalizer 0.5/0.45 = 1.1111: CE = 0.193641.
    expect(evaluate(nrce(), SPEC)).toBeCloseTo(72.0636, 3);
  });

  it("accepts logits, is 0 for the base rate, and NaN with one class", () => {
    const logits = SPEC.predictions.map((p) => Math.log(p / (1 - p)));
    expect(evaluate(rce({ fromLogits: true }), { ...SPEC, predictions: logits })).toBeCloseTo(
      65.9275,
      3,
    );
    expect(evaluate(nrce({ fromLogits: true }), { ...SPEC, predictions: logits })).toBeCloseTo(
      72.0636,
      3,
    );
    expect(evaluate(rce(), { predictions: [0.5, 0.5], labels: [1, 0] })).toBeCloseTo(0, 4);
    expect(evaluate(rce(), { predictions: [0.5, 0.5], labels: [1, 1] })).toBeNaN();
  });

  it("smooth labels as y' = y(1 − s) + s/2 (hand-computed, s = 0.2)", () => {
    // y' = [0.9, 0.1, 0.9, 0.1], ȳ' = 0.5, baseline = ln 2 = 0.693147.
    // ℓ = −y' ln p − (1 − y') ln(1 − p): 0.325083, 0.361773, 0.551372, 0.325083; mean 0.390828.
    // RCE = 100 (1 − 0.390828 / 0.693147) = 43.6155.
    const smoothed = { labelSmoothing: 0.2 };
    expect(evaluate(rce(smoothed), SPEC)).toBeCloseTo(43.6155, 3);
    const logits = SPEC.predictions.map((p) => Math.log(p / (1 - p)));
    const fromLogits = { ...smoothed, fromLogits: true };
    expect(evaluate(rce(fromLogits), { ...SPEC, predictions: logits })).toBeCloseTo(43.6155, 3);
    // Weights [1, 2, 1, 1]: ȳ' = 2.1 / 5 = 0.42, baseline = −0.42 ln 0.42 − 0.58 ln 0.58 =
    // 0.680292; CE = (0.325083 + 2 · 0.361773 + 0.551372 + 0.325083) / 5 = 0.385017;
    // RCE = 100 (1 − 0.385017 / 0.680292) = 43.4042.
    const weighted = { ...SPEC, weights: [1, 2, 1, 1] };
    expect(evaluate(rce(smoothed), weighted)).toBeCloseTo(43.4042, 3);
    // NRCE: mean prediction 2.0 / 5 = 0.4, normalizer 0.42 / 0.4 = 1.05, p = [0.945, 0.21, 0.63,
    // 0.105]: ℓ = 0.340956, 0.368215, 0.515257, 0.325218; CE = 1.917860 / 5 = 0.383572;
    // NRCE = 100 (1 − 0.383572 / 0.680292) = 43.6166.
    expect(evaluate(nrce(smoothed), weighted)).toBeCloseTo(43.6166, 3);
    // Smoothing moves the labels, so the unsmoothed value (65.93) is not what comes out.
    expect(evaluate(rce({ labelSmoothing: 0 }), SPEC)).toBeCloseTo(65.9275, 3);
  });

  it("merges shards to the same value as one pass", () => {
    const metric = rce();
    const a = metric.update(metric.init(), { predictions: [0.9, 0.2], labels: [1, 0] });
    const b = metric.update(metric.init(), { predictions: [0.6, 0.1], labels: [1, 0] });
    expect(metric.compute(metric.merge!(a, b))).toBeCloseTo(65.9275, 3);
  });
});

describe("Count, Ctr, Pctr, precision, recall", () => {
  it("match hand counts", () => {
    expect(evaluate(count(), SPEC)).toBe(2);
    expect(evaluate(ctr(), SPEC)).toBe(0.5);
    expect(evaluate(pctr(), SPEC)).toBeCloseTo(0.45, 12);
    expect(evaluate(ctr(), { ...SPEC, weights: [3, 1, 1, 1] })).toBeCloseTo(4 / 6, 12);
    // Predicted positive: 0.9 (TP), 0.6 (FP); 0.5 is not above the threshold.
    const batch = { predictions: [0.9, 0.2, 0.6, 0.1, 0.5], labels: [1, 0, 0, 1, 1] };
    expect(evaluate(precision(), batch)).toBe(0.5);
    expect(evaluate(recall(), batch)).toBeCloseTo(1 / 3, 12);
    expect(evaluate(recall({ threshold: 0.05 }), batch)).toBe(1);
  });
});

describe("sampled pairwise AUC", () => {
  it("is 1 when separated, 0 when reversed or tied, and repeats for a seed", () => {
    const separated = { predictions: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1] };
    expect(evaluate(sampledAuc({ rng: new Rng(1) }), separated)).toBe(1);
    expect(evaluate(sampledAuc({ rng: new Rng(1) }), { ...separated, labels: [1, 1, 0, 0] })).toBe(
      0,
    );
    expect(
      evaluate(sampledAuc({ rng: new Rng(1) }), { ...separated, predictions: [1, 1, 1, 1] }),
    ).toBe(0);
    const mixed = { predictions: [0.1, 0.5, 0.4, 0.9, 0.3, 0.6], labels: [0, 1, 0, 1, 1, 0] };
    const first = evaluate(sampledAuc({ rng: new Rng(7), numSamples: 64 }), mixed);
    expect(evaluate(sampledAuc({ rng: new Rng(7), numSamples: 64 }), mixed)).toBe(first);
    // Exact pairwise AUC of `mixed` is 6/9; 64 samples land near it.
    expect(first).toBeGreaterThan(0.45);
    expect(first).toBeLessThan(0.85);
    expect(evaluate(sampledAuc({ rng: new Rng(1) }), { predictions: [1], labels: [1] })).toBeNaN();
  });
});

describe("average precision, curves, calibration", () => {
  const batch = { predictions: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1] };

  it("average precision = Σ ΔR·P (0.5·1 + 0.5·2/3)", () => {
    expect(evaluate(averagePrecision(), batch)).toBeCloseTo(5 / 6, 12);
    expect(evaluate(averagePrecision(), { predictions: [0.9, 0.1], labels: [1, 0] })).toBe(1);
  });

  it("ROC points integrate to the AUROC and PR points match by hand", () => {
    const points = evaluate(curvePoints(), batch);
    expect(points.map((p) => [p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    let area = 0;
    for (let k = 1; k < points.length; k++) {
      const [a, b] = [points[k - 1]!, points[k]!];
      area +=
        ((b.falsePositiveRate - a.falsePositiveRate) * (a.truePositiveRate + b.truePositiveRate)) /
        2;
    }
    expect(area).toBe(evaluate(aurocMwu(), batch));
    expect(points[3]!.precision).toBeCloseTo(2 / 3, 12);
    expect(evaluate(curvePoints(3), batch).map((p) => p.threshold)).toEqual([Infinity, 0.4, 0.1]);
  });

  it("calibration: rates, ECE and reliability bins", () => {
    const result = evaluate(calibration(10), {
      predictions: [0.05, 0.15, 0.15, 0.95],
      labels: [0, 0, 1, 1],
    });
    expect(result.meanPrediction).toBeCloseTo(0.325, 12);
    expect(result.labelRate).toBe(0.5);
    expect(result.meanPrediction / result.labelRate).toBeCloseTo(0.65, 12);
    // ¼·|0.05 − 0| + ½·|0.15 − 0.5| + ¼·|0.95 − 1| = 0.2
    expect(result.expectedCalibrationError).toBeCloseTo(0.2, 12);
    expect(result.bins[1]).toMatchObject({ weight: 2, labelRate: 0.5 });
    expect(result.bins[1]!.meanPrediction).toBeCloseTo(0.15, 12);
    expect(result.bins[9]!.weight).toBe(1);
    expect(result.bins[5]!.weight).toBe(0);
    expect(() => evaluate(calibration(), { predictions: [1.5], labels: [1] })).toThrow(DataError);
  });
});
