import { DataError } from "../errors/index.js";
import type { BinaryBatch, Metric } from "./metric.js";
import {
  appendBatch,
  concatBuffers,
  createScoreBuffer,
  type ScoreBuffer,
  scoreGroups,
} from "./score-buffer.js";

/** Options of `aurocMwu`. */
export interface AurocOptions {
  /** Labels above this are positives. Default 0.5. */
  labelThreshold?: number;
  /** Throw `DataError` when a class is missing instead of returning NaN. */
  raiseMissingClass?: boolean;
}

/**
 * Exact weighted AUROC of collected scores via the Mann-Whitney U statistic: for each positive,
 * the weight of negatives scored below it, ties counting ½, over W₊·W₋. NaN when a class is absent.
 */
export function computeAuroc(buffer: ScoreBuffer, options: AurocOptions = {}): number {
  const groups = scoreGroups(buffer, options.labelThreshold ?? 0.5);
  let negativeBelow = 0;
  let positiveTotal = 0;
  let concordant = 0;
  for (let g = 0; g < groups.scores.length; g++) {
    const positive = groups.positiveWeight[g]!;
    const negative = groups.negativeWeight[g]!;
    concordant += positive * (negativeBelow + 0.5 * negative);
    negativeBelow += negative;
    positiveTotal += positive;
  }
  if (positiveTotal === 0 || negativeBelow === 0) {
    if (options.raiseMissingClass) {
      throw new DataError(
        `AUROC needs both classes; saw ${positiveTotal === 0 ? "no positives" : "no negatives"} in ${buffer.length} examples.`,
      );
    }
    return Number.NaN;
  }
  return concordant / (positiveTotal * negativeBelow);
}

/** AUROC (Mann-Whitney U, weighted, ties ½) over every batch seen (the original's `metrics/auroc.py` `AUROCWithMWU`). */
export function aurocMwu(options: AurocOptions = {}): Metric<ScoreBuffer, BinaryBatch> {
  return {
    init: () => createScoreBuffer(),
    update: (state, batch) => appendBatch(state, batch, "AUROC"),
    compute: (state) => computeAuroc(state, options),
    merge: concatBuffers,
  };
}
