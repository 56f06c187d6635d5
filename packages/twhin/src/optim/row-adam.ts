import { adamScalars } from "@tml/engine";
import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import type { RowLayout, RowOptimizer } from "./row-optimizer.js";

/** Options of `RowAdam`. */
export interface RowAdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * Lazy Adam: moments of a row are updated only when the row is in the batch (as TF LazyAdam and
 * torch SparseAdam); bias correction uses the global step, folded into two scalars by the engine's
 * `adamScalars` (the dense optimizers' Adam uses the same function).
 */
export class RowAdam implements RowOptimizer {
  private readonly dim: number;
  private readonly options: RowAdamOptions;
  private readonly m: Float32Array;
  private readonly v: Float32Array;

  constructor(
    rows: number,
    dim: number,
    options: RowAdamOptions,
    allocate: Float32Allocator = heapFloat32,
  ) {
    this.dim = dim;
    this.options = options;
    this.m = allocate(rows * dim);
    this.v = allocate(rows * dim);
  }

  update(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    step: number,
    layout: RowLayout,
  ): void {
    const { beta1, beta2, eps } = this.options;
    const dim = this.dim;
    const m = this.m;
    const v = this.v;
    const scalars = adamScalars({ beta1, beta2, epsilon: eps }, learningRate, step);
    const stepSize = scalars.step;
    const epsHat = scalars.epsilon;
    for (let s = 0; s < count; s++) {
      const base = rowIds[s]! * dim;
      const p = layout === "by-id" ? base : s * dim;
      const g = s * dim;
      for (let d = 0; d < dim; d++) {
        const gradient = grads[g + d]!;
        const mi = beta1 * m[base + d]! + (1 - beta1) * gradient;
        const vi = beta2 * v[base + d]! + (1 - beta2) * gradient * gradient;
        m[base + d] = mi;
        v[base + d] = vi;
        params[p + d]! -= (stepSize * mi) / (Math.sqrt(vi) + epsHat);
      }
    }
  }

  state(): Record<string, Float32Array> {
    return { m: this.m, v: this.v };
  }
}
