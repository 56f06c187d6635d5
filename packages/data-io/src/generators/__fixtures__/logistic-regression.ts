/**
 * Test helper: L2-regularized logistic regression fitted by Newton's method (IRLS) on a row-major
 * design matrix (rows × D, a bias column is added). Returns the D + 1 weights (bias last).
 */
export function fitLogisticRegression(x: Float64Array, y: ArrayLike<number>, D: number, l2 = 1e-3, iterations = 15): Float64Array {
  const rows = y.length;
  const P = D + 1;
  const w = new Float64Array(P);
  const feature = (r: number, d: number) => (d === D ? 1 : (x[r * D + d] as number));
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Float64Array(P);
    const hessian = new Float64Array(P * P);
    for (let r = 0; r < rows; r++) {
      let z = 0;
      for (let d = 0; d < P; d++) z += (w[d] as number) * feature(r, d);
      const p = 1 / (1 + Math.exp(-z));
      const g = p - (y[r] as number);
      const h = p * (1 - p);
      for (let a = 0; a < P; a++) {
        const fa = feature(r, a);
        gradient[a] = (gradient[a] as number) + g * fa;
        for (let b = 0; b <= a; b++) hessian[a * P + b] = (hessian[a * P + b] as number) + h * fa * feature(r, b);
      }
    }
    for (let a = 0; a < P; a++) {
      gradient[a] = (gradient[a] as number) + l2 * rows * (w[a] as number);
      hessian[a * P + a] = (hessian[a * P + a] as number) + l2 * rows;
      for (let b = 0; b < a; b++) hessian[b * P + a] = hessian[a * P + b] as number;
    }
    const step = solveSymmetric(hessian, gradient, P);
    for (let d = 0; d < P; d++) w[d] = (w[d] as number) - (step[d] as number);
  }
  return w;
}

/** Scores rows with weights from `fitLogisticRegression`. */
export function predictLogit(x: Float64Array, w: Float64Array, D: number, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let z = w[D] as number;
    for (let d = 0; d < D; d++) z += (w[d] as number) * (x[r * D + d] as number);
    out[r] = z;
  }
  return out;
}

function solveSymmetric(matrix: Float64Array, vector: Float64Array, n: number): Float64Array {
  // Cholesky: matrix = L Lᵀ, then two triangular solves.
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j] as number;
      for (let k = 0; k < j; k++) sum -= (L[i * n + k] as number) * (L[j * n + k] as number);
      L[i * n + j] = i === j ? Math.sqrt(sum) : sum / (L[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = vector[i] as number;
    for (let k = 0; k < i; k++) sum -= (L[i * n + k] as number) * (y[k] as number);
    y[i] = sum / (L[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (L[k * n + i] as number) * (x[k] as number);
    x[i] = sum / (L[i * n + i] as number);
  }
  return x;
}
