import { DataError } from "../errors/index.js";
import type { Metric, NumericArray } from "./metric.js";

/** Running sums over the ranks (1 = best) of true entities among candidates. */
export interface LinkPredictionState {
  count: number;
  rankSum: number;
  reciprocalRankSum: number;
  hits: number[];
}

/**
 * Link-prediction ranking metrics from ranks computed by the caller (1-based, fractional allowed
 * for ties): `mrr` (mean reciprocal rank), `mr` (mean rank), `hits@k` for each k.
 */
export function linkPredictionMetrics(
  ks: readonly number[] = [1, 3, 10],
): Metric<LinkPredictionState, NumericArray, Record<string, number>> {
  return {
    init: () => ({ count: 0, rankSum: 0, reciprocalRankSum: 0, hits: ks.map(() => 0) }),
    update(state, ranks) {
      for (let i = 0; i < ranks.length; i++) {
        const rank = ranks[i]!;
        if (!(rank >= 1)) throw new DataError(`Rank ${i} is ${rank}; ranks start at 1.`);
        state.count++;
        state.rankSum += rank;
        state.reciprocalRankSum += 1 / rank;
        ks.forEach((k, j) => {
          if (rank <= k) state.hits[j]!++;
        });
      }
      return state;
    },
    compute(state) {
      const result: Record<string, number> = {
        mrr: state.reciprocalRankSum / state.count,
        mr: state.rankSum / state.count,
      };
      ks.forEach((k, j) => {
        result[`hits@${k}`] = state.hits[j]! / state.count;
      });
      return result;
    },
    merge: (a, b) => ({
      count: a.count + b.count,
      rankSum: a.rankSum + b.rankSum,
      reciprocalRankSum: a.reciprocalRankSum + b.reciprocalRankSum,
      hits: a.hits.map((h, j) => h + b.hits[j]!),
    }),
  };
}
