/** Filtered ranking metrics over a set of queries (ranks 1-based; ties at their mean rank). */
export interface RankingMetrics {
  /** Mean reciprocal rank. */
  mrr: number;
  /** Mean rank. */
  mr: number;
  hits1: number;
  hits3: number;
  hits10: number;
  /** Sampled AUC: fraction of (true answer, uniform random candidate) pairs ranked correctly (ties 0). */
  auc: number;
  /** Number of queries. */
  count: number;
}

/** Score adjustment per candidate (cosine: multiply by 1/|c|; L2: 2 * dot - |c|^2). */
export interface CandidateAdjustment {
  kind: "cos" | "l2";
  values: Float32Array;
}

/** Candidate j's score from its raw product (float64 arithmetic, as every ranking path uses). */
export function adjustedScore(raw: number, adjust: CandidateAdjustment | null, j: number): number {
  if (adjust === null) return raw;
  return adjust.kind === "cos" ? raw * adjust.values[j]! : 2 * raw - adjust.values[j]!;
}

/** Accumulates ranks of queries whose candidate scores are `scores[offset + j]`. */
export class RankAccumulator {
  private count = 0;
  private reciprocal = 0;
  private rankSum = 0;
  private hits = [0, 0, 0];
  private aucHits = 0;

  /**
   * Ranks `target` among `rows` candidates, excluding the other known answers (`filter`); ties
   * with the target count half. `negative` is the random candidate of the sampled AUC.
   */
  addQuery(
    scores: Float32Array,
    offset: number,
    rows: number,
    target: number,
    filter: Iterable<number>,
    adjust: CandidateAdjustment | null,
    negative: number,
  ): number {
    const value = (j: number): number => adjustedScore(scores[offset + j]!, adjust, j);
    const truth = value(target);
    let greater = 0;
    let equal = 0;
    if (adjust === null) {
      for (let j = 0; j < rows; j++) {
        const s = scores[offset + j]!;
        if (s > truth) greater++;
        else if (s === truth) equal++;
      }
    } else {
      for (let j = 0; j < rows; j++) {
        const s = value(j);
        if (s > truth) greater++;
        else if (s === truth) equal++;
      }
    }
    return this.addCounts(truth, greater, equal, target, filter, value, negative);
  }

  /**
   * Records one query from its counts over all candidates: `greater` / `equal` candidates score
   * above / equal to `truth` (the target among the equal ones). `value(j)` is candidate j's score;
   * it is asked only for the known answers in `filter` and for the AUC's `negative`.
   */
  addCounts(
    truth: number,
    greater: number,
    equal: number,
    target: number,
    filter: Iterable<number>,
    value: (candidate: number) => number,
    negative: number,
  ): number {
    equal--; // the target itself
    for (const other of filter) {
      if (other === target) continue;
      const s = value(other);
      if (s > truth) greater--;
      else if (s === truth) equal--;
    }
    const rank = 1 + greater + equal / 2;
    this.count++;
    this.reciprocal += 1 / rank;
    this.rankSum += rank;
    if (rank <= 1) this.hits[0]!++;
    if (rank <= 3) this.hits[1]!++;
    if (rank <= 10) this.hits[2]!++;
    if (truth > value(negative)) this.aucHits++;
    return rank;
  }

  /** The metrics so far (NaN when empty). */
  compute(): RankingMetrics {
    const n = this.count;
    return {
      mrr: this.reciprocal / n,
      mr: this.rankSum / n,
      hits1: this.hits[0]! / n,
      hits3: this.hits[1]! / n,
      hits10: this.hits[2]! / n,
      auc: this.aucHits / n,
      count: n,
    };
  }

  /** Metrics over the union of several accumulators' queries. */
  static merge(parts: RankAccumulator[]): RankingMetrics {
    const merged = new RankAccumulator();
    for (const part of parts) {
      merged.count += part.count;
      merged.reciprocal += part.reciprocal;
      merged.rankSum += part.rankSum;
      merged.aucHits += part.aucHits;
      for (let k = 0; k < 3; k++) merged.hits[k]! += part.hits[k]!;
    }
    return merged.compute();
  }
}
