import type { Rng } from "@tml/core";
import type { OperatorKind } from "../config/twhin-config.js";

/**
 * Relation operators (PyTorch-BigGraph's family), each with `dim` parameters per relation:
 * - `none`: y = x
 * - `translation`: y = x + w (TwHIN, TransE)
 * - `diagonal`: y = w * x (DistMult with a dot comparator)
 * - `complex_diagonal`: x, w read as complex vectors (first half real, second half imaginary),
 *   y = w * x (ComplEx with a dot comparator).
 * - `rotation`: x complex as above, w's first half phases theta, y = x * e^(i theta): a rotation
 *   of each complex coordinate (RotatE-style; the second half of w is unused and stays 0).
 * `forward` writes y; `backward` ACCUMULATES into dx and dw.
 */
export function operatorForward(
  kind: OperatorKind,
  w: Float32Array,
  wOff: number,
  x: Float32Array,
  xOff: number,
  y: Float32Array,
  yOff: number,
  dim: number,
): void {
  switch (kind) {
    case "none":
      for (let d = 0; d < dim; d++) y[yOff + d] = x[xOff + d]!;
      return;
    case "translation":
      for (let d = 0; d < dim; d++) y[yOff + d] = x[xOff + d]! + w[wOff + d]!;
      return;
    case "diagonal":
      for (let d = 0; d < dim; d++) y[yOff + d] = x[xOff + d]! * w[wOff + d]!;
      return;
    case "complex_diagonal": {
      const half = dim >> 1;
      for (let d = 0; d < half; d++) {
        const xr = x[xOff + d]!;
        const xi = x[xOff + half + d]!;
        const wr = w[wOff + d]!;
        const wi = w[wOff + half + d]!;
        y[yOff + d] = xr * wr - xi * wi;
        y[yOff + half + d] = xr * wi + xi * wr;
      }
      return;
    }
    case "rotation": {
      const half = dim >> 1;
      for (let d = 0; d < half; d++) {
        const xr = x[xOff + d]!;
        const xi = x[xOff + half + d]!;
        const cos = Math.cos(w[wOff + d]!);
        const sin = Math.sin(w[wOff + d]!);
        y[yOff + d] = xr * cos - xi * sin;
        y[yOff + half + d] = xr * sin + xi * cos;
      }
      return;
    }
  }
}

/** Backward of `operatorForward`: dx += dy * dy/dx, dw += dy * dy/dw (dw skipped when null). */
export function operatorBackward(
  kind: OperatorKind,
  w: Float32Array,
  wOff: number,
  x: Float32Array,
  xOff: number,
  dy: Float32Array,
  dyOff: number,
  dx: Float32Array,
  dxOff: number,
  dw: Float32Array | null,
  dwOff: number,
  dim: number,
): void {
  switch (kind) {
    case "none":
    case "translation":
      for (let d = 0; d < dim; d++) {
        dx[dxOff + d]! += dy[dyOff + d]!;
        if (dw !== null && kind === "translation") dw[dwOff + d]! += dy[dyOff + d]!;
      }
      return;
    case "diagonal":
      for (let d = 0; d < dim; d++) {
        const g = dy[dyOff + d]!;
        dx[dxOff + d]! += g * w[wOff + d]!;
        if (dw !== null) dw[dwOff + d]! += g * x[xOff + d]!;
      }
      return;
    case "complex_diagonal": {
      const half = dim >> 1;
      for (let d = 0; d < half; d++) {
        const gr = dy[dyOff + d]!;
        const gi = dy[dyOff + half + d]!;
        const wr = w[wOff + d]!;
        const wi = w[wOff + half + d]!;
        dx[dxOff + d]! += gr * wr + gi * wi;
        dx[dxOff + half + d]! += -gr * wi + gi * wr;
        if (dw !== null) {
          const xr = x[xOff + d]!;
          const xi = x[xOff + half + d]!;
          dw[dwOff + d]! += gr * xr + gi * xi;
          dw[dwOff + half + d]! += -gr * xi + gi * xr;
        }
      }
      return;
    }
    case "rotation": {
      const half = dim >> 1;
      for (let d = 0; d < half; d++) {
        const gr = dy[dyOff + d]!;
        const gi = dy[dyOff + half + d]!;
        const cos = Math.cos(w[wOff + d]!);
        const sin = Math.sin(w[wOff + d]!);
        dx[dxOff + d]! += gr * cos + gi * sin;
        dx[dxOff + half + d]! += -gr * sin + gi * cos;
        if (dw !== null) {
          // dy/dtheta = i y: (-y_im, y_re).
          const xr = x[xOff + d]!;
          const xi = x[xOff + half + d]!;
          dw[dwOff + d]! += -gr * (xr * sin + xi * cos) + gi * (xr * cos - xi * sin);
        }
      }
      return;
    }
  }
}

/**
 * Initial operator parameters for one relation: the original's U[0,1) translation, or the
 * identity of the operator (zeros for translation and rotation phases, ones / 1+0i for the
 * diagonals).
 */
export function initOperator(
  kind: OperatorKind,
  mode: "original" | "identity",
  rng: Rng,
  w: Float32Array,
  wOff: number,
  dim: number,
): void {
  for (let d = 0; d < dim; d++) {
    if (kind === "translation") w[wOff + d] = mode === "original" ? rng.next() : 0;
    else if (kind === "diagonal") w[wOff + d] = 1;
    else if (kind === "complex_diagonal") w[wOff + d] = d < dim >> 1 ? 1 : 0;
    else w[wOff + d] = 0;
  }
}
