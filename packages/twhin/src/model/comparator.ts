/** How a query vector is compared with a candidate row: dot, cosine, or negated squared L2. */
export type ComparatorKind = "dot" | "cos" | "l2";

/** Score of vectors `a[aOff..)` and `b[bOff..)` of length `dim` under a comparator. */
export function compare(
  kind: ComparatorKind,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < dim; d++) {
    const x = a[aOff + d]!;
    const y = b[bOff + d]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (kind === "dot") return ab;
  if (kind === "cos") return ab / Math.sqrt(Math.max(aa * bb, 1e-24));
  return -(aa - 2 * ab + bb);
}

/** Squared row norms of `n` rows of length `dim` into `out`. */
export function rowSquaredNorms(x: Float32Array, n: number, dim: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d]! * x[i * dim + d]!;
    out[i] = s;
  }
}

/** Scales `n` rows to unit length in place; keeps the original norms in `norms`. */
export function normalizeRows(x: Float32Array, n: number, dim: number, norms: Float32Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d]! * x[i * dim + d]!;
    const norm = Math.sqrt(Math.max(s, 1e-24));
    norms[i] = norm;
    for (let d = 0; d < dim; d++) x[i * dim + d]! /= norm;
  }
}

/**
 * Backward of `normalizeRows`: given unit rows `u`, their norms and dL/du (in `grad`, replaced by
 * dL/dx): dx = (du - u <u, du>) / |x|.
 */
export function normalizeRowsBackward(
  u: Float32Array,
  n: number,
  dim: number,
  norms: Float32Array,
  grad: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    let projection = 0;
    for (let d = 0; d < dim; d++) projection += u[i * dim + d]! * grad[i * dim + d]!;
    const inverse = 1 / norms[i]!;
    for (let d = 0; d < dim; d++) {
      grad[i * dim + d] = (grad[i * dim + d]! - u[i * dim + d]! * projection) * inverse;
    }
  }
}
