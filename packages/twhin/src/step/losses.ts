import type { ScoreRows } from "../kernels/step-kernels.js";

// The margin loss over score rows (`ScoreRows`: column 0 the positive, then the negatives). It writes
// dLoss/dScore into `grad` and returns the loss, both already multiplied by `scale` (the caller's
// normaliser). BCE (the original's loss) and softmax run in the SIMD kernels (`StepKernels`).

/** Margin ranking: mean over negatives of max(0, margin - positive + negative). */
export function marginRows(rows: ScoreRows, margin: number, scale: number): number {
  let total = 0;
  const { scores, grad, width } = rows;
  const perNegative = 1 / Math.max(1, width - 1);
  for (let row = 0; row < rows.rows; row++) {
    const base = row * width;
    const positive = scores[base]!;
    grad[base] = 0;
    for (let column = 1; column < width; column++) {
      const violation = margin - positive + scores[base + column]!;
      if (violation > 0) {
        total += violation * perNegative;
        grad[base + column] = scale * perNegative;
        grad[base]! -= scale * perNegative;
      } else {
        grad[base + column] = 0;
      }
    }
  }
  return total * scale;
}
