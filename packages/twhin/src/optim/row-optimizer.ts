import type { StepKernels } from "../kernels/step-kernels.js";

/** Where a row optimizer finds the parameters of row `rowIds[s]` (see `RowOptimizer.update`). */
export type RowLayout = "by-id" | "by-slot";

/**
 * A row-sparse optimizer over one `rows x dim` parameter matrix: `update` changes only the listed
 * rows, so a step costs O(rows touched x dim) whatever the table size. State (accumulators,
 * moments) is plain typed arrays, saved raw in checkpoints.
 */
export interface RowOptimizer {
  /**
   * Applies gradients: `grads[s * dim ..]` is the gradient of row `rowIds[s]` for s < count.
   * `step` is the 1-based global update index (Adam's bias correction). `layout` says where row
   * `rowIds[s]`'s parameters are: `by-id` at `params[rowIds[s] * dim ..]` (the whole matrix),
   * `by-slot` at `params[s * dim ..]` (rows gathered in slot order, as a 16-bit table's decoded
   * rows are); the optimizer state is indexed by row id either way.
   */
  update(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    step: number,
    layout: RowLayout,
  ): void;
  /**
   * Optional fast path over rows gathered in slot order (`rows[s * dim ..]` is row `rowIds[s]`),
   * updated in place with `kernels`; `slotState` is one float of scratch per slot. Returns false
   * (touching nothing) when this optimizer's settings need the table-wide `update`.
   */
  updateGathered?(
    rows: Float32Array,
    slotState: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    kernels: StepKernels,
  ): boolean;
  /** Named state arrays (views, saved and restored in place). */
  state(): Record<string, Float32Array>;
}
