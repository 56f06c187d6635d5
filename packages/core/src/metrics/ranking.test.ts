import { describe, expect, it } from "vitest";
import { DataError } from "../errors/index.js";
import { aurocMwu } from "./auroc.js";
import { ctr } from "./label-rates.js";
import { linkPredictionMetrics } from "./link-prediction.js";
import { computeMetric } from "./metric.js";
import { MultiTaskMetrics } from "./multi-task-metrics.js";
import { hitAtK, positiveRanks, posRanks, reciprocalRank } from "./rank-metrics.js";
import { stratified } from "./stratify.js";

const evaluate = computeMetric;

const labels = [0, 0, 1, 1, 1];

describe("PosRanks, ReciprocalRank, HitAtK (the original's `core/metrics.py` worked examples)", () => {
  it("ranks 1, 2, 3 → mean 2, MRR 0.6111", () => {
    const batch = { predictions: [-1, -1, 0.5, 1, 1.5], labels };
    expect([...positiveRanks(batch)].sort()).toEqual([1, 2, 3]);
    expect(evaluate(posRanks(), batch)).toBe(2);
    expect(evaluate(reciprocalRank(), batch)).toBeCloseTo((1 + 1 / 2 + 1 / 3) / 3, 12);
  });

  it("ranks 3, 4, 5 → mean 4, MRR 0.2611", () => {
    const batch = { predictions: [1, 1, -1.5, -1, -0.5], labels };
    expect(evaluate(posRanks(), batch)).toBe(4);
    expect(evaluate(reciprocalRank(), batch)).toBeCloseTo(0.2611, 4);
  });

  it("HitAtK: ranks 1, 3, 4 → 1/3 at k = 1, 2/3 at k = 3", () => {
    const batch = { predictions: [-1, 1, 0.5, -0.1, 1.5], labels };
    expect(evaluate(hitAtK(1), batch)).toBeCloseTo(1 / 3, 12);
    expect(evaluate(hitAtK(3), batch)).toBeCloseTo(2 / 3, 12);
  });

  it("tied scores share their mean rank", () => {
    expect([...positiveRanks({ predictions: [2, 1, 1, 0], labels: [0, 1, 1, 0] })]).toEqual([
      2.5, 2.5,
    ]);
  });
});

describe("linkPredictionMetrics", () => {
  it("MRR, MR and Hits@k from ranks", () => {
    const result = evaluate(linkPredictionMetrics([1, 3, 10]), [1, 2], [4, 10]);
    expect(result["mrr"]).toBeCloseTo((1 + 0.5 + 0.25 + 0.1) / 4, 12);
    expect(result["mr"]).toBe(4.25);
    expect(result).toMatchObject({ "hits@1": 0.25, "hits@3": 0.5, "hits@10": 1 });
    expect(() => evaluate(linkPredictionMetrics(), [0])).toThrow(DataError);
  });
});

describe("stratified and MultiTaskMetrics", () => {
  it("keeps only the stratum's rows", () => {
    const batch = {
      predictions: [0.1, 0.9, 0.2, 0.3],
      labels: [1, 1, 0, 0],
      stratifiers: { country: [0, 1, 0, 1] },
    };
    // Rows 1 and 3: positive 0.9 above negative 0.3.
    expect(evaluate(stratified(aurocMwu(), { name: "country", value: 1 }), batch)).toBe(1);
    expect(evaluate(stratified(aurocMwu(), { name: "country", value: 0 }), batch)).toBe(0);
    expect(evaluate(stratified(ctr(), { name: "country", value: 2 }), batch)).toBeNaN();
    expect(() => evaluate(stratified(ctr(), { name: "client", value: 1 }), batch)).toThrow(
      /Stratifier "client" is missing/,
    );
  });

  it("splits B×T batches by task and names results <metric>/<task>", () => {
    const metrics = new MultiTaskMetrics({
      taskNames: ["fav", "reply"],
      metrics: { auroc: () => aurocMwu(), ctr: () => ctr() },
    });
    // Rows are [fav, reply]. reply: positives 0.8, 0.3 vs negatives 0.1, 0.7 → 3/4.
    metrics.update({
      predictions: [0.9, 0.1, 0.2, 0.8, 0.6, 0.3, 0.1, 0.7],
      labels: [1, 0, 0, 1, 1, 1, 0, 0],
    });
    expect(metrics.compute()).toEqual({
      "auroc/fav": 1,
      "auroc/reply": 0.75,
      "ctr/fav": 0.5,
      "ctr/reply": 0.5,
    });
    metrics.reset();
    expect(metrics.compute()["ctr/fav"]).toBeNaN();
    expect(() => metrics.update({ predictions: [1, 2, 3], labels: [1, 2, 3] })).toThrow(DataError);
  });
});
