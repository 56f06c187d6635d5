import type { BinaryBatch, Metric } from "./metric.js";

import { appendBatch, createScoreBuffer, scoreGroups } from "./score-buffer.js";
import { addToMean, mergeMeans, type StableMeanState } from "./stable-mean.js";

/**
 * 1-based rank of every positive when the whole batch is sorted by score, descending. Tied
 * scores share the mean of the ranks they span (the expected rank under random tie-breaking).
 */
export function positiveRanks(batch: BinaryBatch): Float64Array {
  const buffer = appendBatch(
    createScoreBuffer(batch.predictions.length),
    { ...batch, weights: 1 },
    "rank metric",
  );
  const ranks: number[] = [];
  let above = 0;
  const groups = scoreGroups(buffer);
  for (let g = groups.scores.length - 1; g >= 0; g--) {
    const positives = groups.positiveWeight[g]!;
    const size = positives + groups.negativeWeight[g]!;
    const rank = above + (size + 1) / 2;
    for (let k = 0; k < positives; k++) ranks.push(rank);
    above += size;
  }
  return Float64Array.from(ranks);
}

function meanOverPositives(
  transform: (rank: number) => number,
): Metric<StableMeanState, BinaryBatch> {
  return {
    init: () => ({ mean: 0, weightSum: 0 }),
    update: (state, batch) => addToMean(state, positiveRanks(batch).map(transform)),
    compute: (state) => (state.weightSum === 0 ? Number.NaN : state.mean),
    merge: mergeMeans,
  };
}

/** `PosRanks`: mean 1-based rank of the positives within their batch (the original's `core/metrics.py`). */
export function posRanks(): Metric<StableMeanState, BinaryBatch> {
  return meanOverPositives((rank) => rank);
}

/** `ReciprocalRank`: mean of 1 / rank over the positives (MRR within the batch). */
export function reciprocalRank(): Metric<StableMeanState, BinaryBatch> {
  return meanOverPositives((rank) => 1 / rank);
}

/** `HitAtK`: the fraction of positives ranked within the top `k` of their batch. */
export function hitAtK(k: number): Metric<StableMeanState, BinaryBatch> {
  return meanOverPositives((rank) => (rank <= k ? 1 : 0));
}
