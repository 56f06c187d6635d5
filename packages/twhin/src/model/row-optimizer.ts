import type { OptimizerConfig } from "../config/optimizer-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { RowAdagrad } from "./row-adagrad.js";
import { RowAdam } from "./row-adam.js";
import { RowSgd } from "./row-sgd.js";

/**
 * A row-sparse optimizer over one `rows x dim` parameter matrix: `update` changes only the listed
 * rows, so a step costs O(rows touched x dim) whatever the table size. State (accumulators,
 * moments) is plain typed arrays, saved raw in checkpoints.
 */
export interface RowOptimizer {
  /**
   * Applies gradients: `grads[s * dim ..]` is the gradient of row `rowIds[s]` for s < count.
   * `step` is the 1-based global update index (Adam's bias correction).
   */
  update(
    params: Float32Array,
    rowIds: Int32Array,
    grads: Float32Array,
    count: number,
    learningRate: number,
    step: number,
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

/** Builds the row optimizer a config names, for a `rows x dim` matrix. */
export function createRowOptimizer(
  config: OptimizerConfig,
  rows: number,
  dim: number,
): RowOptimizer {
  if (config.adagrad) {
    const { eps, rowwise, initial_accumulator_value } = config.adagrad;
    return new RowAdagrad(rows, dim, {
      eps,
      rowwise,
      initialAccumulator: initial_accumulator_value,
    });
  }
  if (config.adam) {
    const { betas, eps } = config.adam;
    return new RowAdam(rows, dim, { beta1: betas[0], beta2: betas[1], eps });
  }
  return new RowSgd(rows, dim, config.sgd?.momentum ?? 0);
}
