import { assert } from "@tml/core";

/**
 * Expected (population) ROC AUC of the score `p` when each label is drawn as Bernoulli(p): the
 * ratio of the expected number of correctly ordered positive–negative pairs (ties count one half)
 * to the expected number of positive–negative pairs, over pairs of distinct rows. This is the AUC
 * of the Bayes-optimal scorer, so no model trained on the same features can beat it on average.
 * `probabilities` in [0, 1]; O(n log n).
 */
export function expectedAuc(probabilities: ArrayLike<number>): number {
  const n = probabilities.length;
  const sorted = Float64Array.from(probabilities).sort();
  let negativesBelow = 0; // Σ (1 − p_j) over rows with a strictly smaller p
  let correct = 0;
  let totalPositive = 0;
  let totalNegative = 0;
  let selfPairs = 0; // Σ p_i (1 − p_i): the i = j terms to remove from the pair total
  for (let start = 0; start < n; ) {
    let end = start;
    let groupPositive = 0;
    let groupNegative = 0;
    let groupSelf = 0;
    const value = sorted[start] as number;
    assert(value >= 0 && value <= 1, () => `expectedAuc: probability ${value} is outside [0, 1]`);
    while (end < n && sorted[end] === value) {
      groupPositive += value;
      groupNegative += 1 - value;
      groupSelf += value * (1 - value);
      end++;
    }
    // Ties within the group count one half, excluding each row paired with itself.
    correct += groupPositive * negativesBelow + 0.5 * (groupPositive * groupNegative - groupSelf);
    negativesBelow += groupNegative;
    totalPositive += groupPositive;
    totalNegative += groupNegative;
    selfPairs += groupSelf;
    start = end;
  }
  const pairs = totalPositive * totalNegative - selfPairs;
  return pairs > 0 ? correct / pairs : Number.NaN;
}

/**
 * Realized ROC AUC of `scores` against 0/1 `labels` (ties count one half); NaN when one class is
 * absent. O(n log n).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  assert(labels.length === n, () => `rocAuc: ${n} scores but ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  let negativesBelow = 0;
  let correct = 0;
  let positives = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let groupPositive = 0;
    let groupNegative = 0;
    const value = scores[order[start] as number] as number;
    while (end < n && scores[order[end] as number] === value) {
      if (labels[order[end] as number] === 1) groupPositive++;
      else groupNegative++;
      end++;
    }
    correct += groupPositive * negativesBelow + 0.5 * groupPositive * groupNegative;
    negativesBelow += groupNegative;
    positives += groupPositive;
    start = end;
  }
  const negatives = n - positives;
  return positives > 0 && negatives > 0 ? correct / (positives * negatives) : Number.NaN;
}
