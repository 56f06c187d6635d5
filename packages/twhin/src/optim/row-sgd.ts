import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { RowLayout, RowOptimizer } from "./row-optimizer.js";

/**
 * Sparse SGD (the original's per-table fused optimizer): `w -= lr * g` on touched rows. With
 * momentum, the velocity of a row is updated only when the row is touched (lazy momentum).
 */
export class RowSgd implements RowOptimizer {
  private readonly dim: number;
  private readonly momentum: number;
  private readonly velocity: Float32Array;

  constructor(rows: number, dim: number, momentum = 0, allocate: Float32Allocator = heapFloat32) {
    this.dim = dim;
    this.momentum = momentum;
    this.velocity = allocate(momentum > 0 ? rows * dim : 0);
  }

  update(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    _step: number,
    layout: RowLayout,
  ): void {
    const dim = this.dim;
    const mu = this.momentum;
    const velocity = this.velocity;
    for (let s = 0; s < count; s++) {
      const base = rowIds[s]! * dim;
      const p = layout === "by-id" ? base : s * dim;
      const g = s * dim;
      if (mu > 0) {
        for (let d = 0; d < dim; d++) {
          const v = mu * velocity[base + d]! + grads[g + d]!;
          velocity[base + d] = v;
          params[p + d]! -= learningRate * v;
        }
      } else {
        for (let d = 0; d < dim; d++) params[p + d]! -= learningRate * grads[g + d]!;
      }
    }
  }

  /** Without momentum the update is one axpy over the gathered rows. */
  updateGathered(
    rows: Float32Array,
    _slotState: Float32Array,
    _rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    kernels: StepKernels,
  ): boolean {
    if (this.momentum > 0) return false;
    kernels.axpy(-learningRate, grads, 0, rows, 0, count * this.dim);
    return true;
  }

  state(): Record<string, Float32Array> {
    return this.momentum > 0 ? { velocity: this.velocity } : {};
  }
}
