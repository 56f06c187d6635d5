import type { StepKernels } from "../kernels/step-kernels.js";

/** Staging space in the step kernels' memory for `updateStaged`: two arrays of equal length. */
export interface OptimizerStage {
  rows: Float32Array;
  state: Float32Array;
}

/**
 * Copies rows `rowIds[first ..< first + n]` of `table` (rows of `dim` floats) into `staged` from
 * 0 (`toStage`), or back; runs of consecutive ids move as one block.
 */
export function stageRows(
  table: Float32Array,
  rowIds: Int32Array,
  first: number,
  n: number,
  dim: number,
  staged: Float32Array,
  toStage: boolean,
): void {
  const end = first + n;
  for (let s = first; s < end; ) {
    let e = s + 1;
    while (e < end && rowIds[e] === rowIds[e - 1]! + 1) e++;
    const from = rowIds[s]! * dim;
    const length = (e - s) * dim;
    const at = (s - first) * dim;
    if (toStage) staged.set(table.subarray(from, from + length), at);
    else table.set(staged.subarray(at, at + length), from);
    s = e;
  }
}

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
  /**
   * Optional fast path for a float32 table updated in place (`params`: the whole table, by id;
   * `grads` in the kernels' memory, slot order): the rows and their state pass through `stage`
   * (kernel memory, `stage.rows` floats at a time) and are updated there by `kernels`. Returns
   * false (touching nothing) when this optimizer's settings have no such path.
   */
  updateStaged?(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    kernels: StepKernels,
    stage: OptimizerStage,
  ): boolean;
  /** Named state arrays (views, saved and restored in place). */
  state(): Record<string, Float32Array>;
}
