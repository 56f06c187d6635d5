import type { Rng } from "../rng/index.js";
import type { BinaryBatch, Metric } from "./metric.js";
import { checkBatch } from "./metric.js";
import { addToMean, mergeMeans, type StableMeanState } from "./stable-mean.js";

/** Options of `sampledAuc`. */
export interface SampledAucOptions {
  /** Positives and negatives drawn per batch (with replacement). Default 128 as TwHIN. */
  numSamples?: number;
  /** Source of the draws (an `Rng`, or a fork of one); results repeat for the same seed. */
  rng: Pick<Rng, "int">;
}

/**
 * Sampled pairwise AUC (the original's `core/metrics.py` `Auc`): per batch, draw `numSamples` positives and negatives
 * uniformly with replacement and score the pairs [pos > neg] (ties count 0); the value is the
 * mean over all pairs drawn. Batches lacking a class are skipped. Any monotone score works.
 */
export function sampledAuc(options: SampledAucOptions): Metric<StableMeanState, BinaryBatch> {
  const numSamples = options.numSamples ?? 128;
  return {
    init: () => ({ mean: 0, weightSum: 0 }),
    update(state, batch) {
      const n = checkBatch(batch, "sampled AUC");
      const positives: number[] = [];
      const negatives: number[] = [];
      for (let i = 0; i < n; i++) (batch.labels[i]! > 0.5 ? positives : negatives).push(i);
      if (positives.length === 0 || negatives.length === 0) return state;
      const wins = new Float64Array(numSamples);
      for (let k = 0; k < numSamples; k++) {
        const positive = positives[options.rng.int(positives.length)]!;
        const negative = negatives[options.rng.int(negatives.length)]!;
        wins[k] = batch.predictions[positive]! > batch.predictions[negative]! ? 1 : 0;
      }
      return addToMean(state, wins);
    },
    compute: (state) => (state.weightSum === 0 ? Number.NaN : state.mean),
    merge: mergeMeans,
  };
}
