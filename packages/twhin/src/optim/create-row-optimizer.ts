import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import type { TableOptimizerConfig } from "../config/table-optimizer-config.js";
import { RowAdagrad } from "./row-adagrad.js";
import { RowAdam } from "./row-adam.js";
import type { RowOptimizer } from "./row-optimizer.js";
import { RowSgd } from "./row-sgd.js";

/** Builds the row optimizer a config names, for a `rows x dim` matrix; `allocate` makes its state. */
export function createRowOptimizer(
  config: TableOptimizerConfig,
  rows: number,
  dim: number,
  allocate: Float32Allocator = heapFloat32,
): RowOptimizer {
  if (config.adagrad) {
    const { eps, rowwise, initial_accumulator_value } = config.adagrad;
    return new RowAdagrad(
      rows,
      dim,
      {
        eps,
        rowwise,
        initialAccumulator: initial_accumulator_value,
      },
      allocate,
    );
  }
  if (config.adam) {
    const { betas, eps } = config.adam;
    return new RowAdam(rows, dim, { beta1: betas[0], beta2: betas[1], eps }, allocate);
  }
  return new RowSgd(rows, dim, config.sgd?.momentum ?? 0, allocate);
}
