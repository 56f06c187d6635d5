/**
 * Losses over score rows. Each row is one (edge, direction): column 0 the positive score, then
 * the negatives. They write dLoss/dScore into `grad` and return the summed
 * (not yet normalised) loss; callers divide by their normaliser and scale `grad` the same way.
 */
export interface ScoreRows {
  scores: Float32Array;
  grad: Float32Array;
  rows: number;
  width: number;
}

function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Weighted BCE with logits (§4.6): positives (column 0) label 1 weight `positiveWeight`,
 * negatives label `negativeLabel` (0; the original's defect: 1) weight `negativeWeight`. Each
 * term is scaled by `scale`.
 */
export function bceRows(
  rows: ScoreRows,
  negativeLabel: number,
  negativeWeight: number,
  positiveWeight: number,
  scale: number,
): number {
  let total = 0;
  const { scores, grad, width } = rows;
  for (let i = 0; i < rows.rows; i++) {
    const base = i * width;
    for (let j = 0; j < width; j++) {
      const x = scores[base + j]!;
      const positive = j === 0;
      const y = positive ? 1 : negativeLabel;
      const w = positive ? positiveWeight : negativeWeight;
      total += w * (softplus(x) - x * y);
      grad[base + j] = scale * w * (sigmoid(x) - y);
    }
  }
  return total * scale;
}

/** Softmax cross-entropy of the positive (column 0) against the row's negatives. */
export function softmaxRows(rows: ScoreRows, scale: number): number {
  let total = 0;
  const { scores, grad, width } = rows;
  for (let i = 0; i < rows.rows; i++) {
    const base = i * width;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < width; j++) max = Math.max(max, scores[base + j]!);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(scores[base + j]! - max);
      grad[base + j] = e;
      sum += e;
    }
    total += max + Math.log(sum) - scores[base]!;
    const normalizer = scale / sum;
    for (let j = 0; j < width; j++) grad[base + j]! *= normalizer;
    grad[base]! -= scale;
  }
  return total * scale;
}

/** Margin ranking: mean over negatives of max(0, margin - positive + negative). */
export function marginRows(rows: ScoreRows, margin: number, scale: number): number {
  let total = 0;
  const { scores, grad, width } = rows;
  const perNegative = 1 / Math.max(1, width - 1);
  for (let i = 0; i < rows.rows; i++) {
    const base = i * width;
    const positive = scores[base]!;
    grad[base] = 0;
    for (let j = 1; j < width; j++) {
      const violation = margin - positive + scores[base + j]!;
      if (violation > 0) {
        total += violation * perNegative;
        grad[base + j] = scale * perNegative;
        grad[base]! -= scale * perNegative;
      } else {
        grad[base + j] = 0;
      }
    }
  }
  return total * scale;
}
