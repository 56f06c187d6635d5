import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { AucAccumulator } from "./auc-accumulator.js";
import { expectedAuc, rocAuc } from "./expected-auc.js";

describe("expectedAuc", () => {
  it("matches hand-worked pairs", () => {
    // Pairs (i pos, j neg): 0.9·0.9 ordered right, 0.1·0.1 ordered wrong.
    expect(expectedAuc([0.9, 0.1])).toBeCloseTo(0.81 / 0.82, 12);
    // All tied: every pair is a half.
    expect(expectedAuc([0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
    // Three values: Σ_{i≠j} p_i(1−p_j)[p_i > p_j] / Σ_{i≠j} p_i(1−p_j).
    const p = [0.2, 0.5, 0.8];
    let correct = 0;
    let total = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i === j) continue;
        const w = p[i]! * (1 - p[j]!);
        total += w;
        if (p[i]! > p[j]!) correct += w;
      }
    }
    expect(expectedAuc(p)).toBeCloseTo(correct / total, 12);
  });

  it("equals the mean realized AUC over label draws (Monte Carlo)", () => {
    const rng = new Rng(7);
    const p = Float64Array.from(
      { length: 400 },
      () => 1 / (1 + Math.exp(-(rng.normal() * 1.5 - 1))),
    );
    let sum = 0;
    const draws = 300;
    const labels = new Uint8Array(p.length);
    for (let draw = 0; draw < draws; draw++) {
      for (let i = 0; i < p.length; i++) labels[i] = rng.next() < p[i]! ? 1 : 0;
      sum += rocAuc(p, labels);
    }
    expect(Math.abs(sum / draws - expectedAuc(p))).toBeLessThan(0.005);
  });

  it("rocAuc counts ties as one half", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([1, 1], [0, 1])).toBeCloseTo(0.5, 12);
    expect(Number.isNaN(rocAuc([1, 2], [1, 1]))).toBe(true);
  });

  it("the binned accumulator agrees with the exact computation", () => {
    const rng = new Rng(3);
    const accumulator = new AucAccumulator();
    const logits = Float64Array.from({ length: 20_000 }, () => rng.normal() * 2 - 3);
    const labels = new Uint8Array(logits.length);
    logits.forEach((logit, i) => {
      labels[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      accumulator.add(logit, labels[i]!);
    });
    const p = logits.map((logit) => 1 / (1 + Math.exp(-logit)));
    const summary = accumulator.summary();
    expect(summary.bayesAuc).toBeCloseTo(expectedAuc(p), 3);
    expect(summary.realizedAuc).toBeCloseTo(rocAuc(p, labels), 3);
    expect(summary.positives).toBe(labels.reduce((a, b) => a + b, 0));
  });
});
