import type { BinaryBatch, Metric } from "./metric.js";
import {
  appendBatch,
  concatBuffers,
  createScoreBuffer,
  type ScoreBuffer,
  scoreGroups,
} from "./score-buffer.js";

/** One operating point of a thresholded classifier: predict positive when score ≥ `threshold`. */
export interface CurvePoint {
  threshold: number;
  truePositiveRate: number;
  falsePositiveRate: number;
  precision: number;
  recall: number;
}

/**
 * Operating points at every distinct score (descending), weighted, starting with the empty
 * prediction (threshold +∞, precision 1 by convention). At most `maxPoints` evenly spaced
 * points are kept (the first and last always), for plots.
 */
export function computeCurve(buffer: ScoreBuffer, maxPoints = Infinity): CurvePoint[] {
  const groups = scoreGroups(buffer);
  let positives = 0;
  let negatives = 0;
  for (let g = 0; g < groups.scores.length; g++) {
    positives += groups.positiveWeight[g]!;
    negatives += groups.negativeWeight[g]!;
  }
  const points: CurvePoint[] = [
    {
      threshold: Number.POSITIVE_INFINITY,
      truePositiveRate: 0,
      falsePositiveRate: 0,
      precision: 1,
      recall: 0,
    },
  ];
  let truePositives = 0;
  let falsePositives = 0;
  for (let g = groups.scores.length - 1; g >= 0; g--) {
    truePositives += groups.positiveWeight[g]!;
    falsePositives += groups.negativeWeight[g]!;
    const recall = positives > 0 ? truePositives / positives : Number.NaN;
    points.push({
      threshold: groups.scores[g]!,
      truePositiveRate: recall,
      falsePositiveRate: negatives > 0 ? falsePositives / negatives : Number.NaN,
      precision: truePositives / (truePositives + falsePositives),
      recall,
    });
  }
  return thin(points, maxPoints);
}

function thin(points: CurvePoint[], maxPoints: number): CurvePoint[] {
  if (points.length <= maxPoints || maxPoints < 2) return points;
  const kept: CurvePoint[] = [];
  for (let k = 0; k < maxPoints; k++) {
    kept.push(points[Math.round((k * (points.length - 1)) / (maxPoints - 1))]!);
  }
  return kept;
}

/**
 * Weighted average precision (PR-AUC): Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds, descending
 * (scikit-learn's definition; no interpolation). NaN without positives.
 */
export function computeAveragePrecision(buffer: ScoreBuffer): number {
  const points = computeCurve(buffer);
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    area += (points[k]!.recall - points[k - 1]!.recall) * points[k]!.precision;
  }
  return area;
}

/** PR-AUC (average precision) over every batch seen. */
export function averagePrecision(): Metric<ScoreBuffer, BinaryBatch> {
  return {
    init: () => createScoreBuffer(),
    update: (state, batch) => appendBatch(state, batch, "average precision"),
    compute: computeAveragePrecision,
    merge: concatBuffers,
  };
}

/** ROC and precision-recall curve points (for plots) over every batch seen. */
export function curvePoints(maxPoints = 1000): Metric<ScoreBuffer, BinaryBatch, CurvePoint[]> {
  return {
    init: () => createScoreBuffer(),
    update: (state, batch) => appendBatch(state, batch, "curve"),
    compute: (state) => computeCurve(state, maxPoints),
    merge: concatBuffers,
  };
}
