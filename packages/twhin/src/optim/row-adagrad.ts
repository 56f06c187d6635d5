import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import type { StepKernels } from "../kernels/step-kernels.js";
import {
  type OptimizerStage,
  type RowLayout,
  type RowOptimizer,
  stageRows,
} from "./row-optimizer.js";

/** Options of `RowAdagrad`. */
export interface RowAdagradOptions {
  /** Added to the root of the accumulator (the original's default is 0). */
  eps: number;
  /** One accumulator per row (mean of squared gradients over the row) instead of per element. */
  rowwise: boolean;
  initialAccumulator: number;
}

/**
 * Sparse Adagrad (the TwHIN paper's optimizer): `G += g^2; w -= lr * g / (sqrt(G) + eps)` on the
 * touched rows. Row-wise mode keeps one float per row (`G += mean_d g_d^2`), so a 10M-row table's
 * state is 40 MB instead of the table's size.
 */
export class RowAdagrad implements RowOptimizer {
  private readonly dim: number;
  private readonly options: RowAdagradOptions;
  private readonly accumulator: Float32Array;

  constructor(
    rows: number,
    dim: number,
    options: RowAdagradOptions,
    allocate: Float32Allocator = heapFloat32,
  ) {
    this.dim = dim;
    this.options = options;
    this.accumulator = allocate(options.rowwise ? rows : rows * dim, options.initialAccumulator);
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
    const eps = this.options.eps;
    const acc = this.accumulator;
    for (let s = 0; s < count; s++) {
      const row = rowIds[s]!;
      const base = row * dim;
      const p = layout === "by-id" ? base : s * dim;
      const g = s * dim;
      if (this.options.rowwise) {
        let sum = 0;
        for (let d = 0; d < dim; d++) sum += grads[g + d]! * grads[g + d]!;
        const total = acc[row]! + sum / dim;
        acc[row] = total;
        const denominator = Math.sqrt(total) + eps;
        if (denominator === 0) continue;
        const scale = learningRate / denominator;
        for (let d = 0; d < dim; d++) params[p + d]! -= scale * grads[g + d]!;
      } else {
        for (let d = 0; d < dim; d++) {
          const gradient = grads[g + d]!;
          const total = acc[base + d]! + gradient * gradient;
          acc[base + d] = total;
          const denominator = Math.sqrt(total) + eps;
          if (denominator > 0) params[p + d]! -= (learningRate * gradient) / denominator;
        }
      }
    }
  }

  /** Row-wise mode: the batch's accumulators are gathered per slot, updated by the kernel, put back. */
  updateGathered(
    rows: Float32Array,
    slotState: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    kernels: StepKernels,
  ): boolean {
    if (!this.options.rowwise) return false;
    const acc = this.accumulator;
    for (let s = 0; s < count; s++) slotState[s] = acc[rowIds[s]!]!;
    kernels.rowwiseAdagrad(rows, grads, slotState, count, this.dim, learningRate, this.options.eps);
    for (let s = 0; s < count; s++) acc[rowIds[s]!] = slotState[s]!;
    return true;
  }

  /** Element-wise mode: rows and accumulators staged a block at a time through the SIMD kernel. */
  updateStaged(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    kernels: StepKernels,
    stage: OptimizerStage,
  ): boolean {
    if (this.options.rowwise) return false;
    const dim = this.dim;
    const capacity = Math.floor(Math.min(stage.rows.length, stage.state.length) / dim);
    if (capacity === 0) return false;
    const acc = this.accumulator;
    const eps = this.options.eps;
    for (let first = 0; first < count; first += capacity) {
      const n = Math.min(capacity, count - first);
      stageRows(params, rowIds, first, n, dim, stage.rows, true);
      stageRows(acc, rowIds, first, n, dim, stage.state, true);
      kernels.adagrad(stage.rows, grads, first * dim, stage.state, n * dim, learningRate, eps);
      stageRows(params, rowIds, first, n, dim, stage.rows, false);
      stageRows(acc, rowIds, first, n, dim, stage.state, false);
    }
    return true;
  }

  state(): Record<string, Float32Array> {
    return { accumulator: this.accumulator };
  }
}
