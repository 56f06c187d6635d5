import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import { learningRateAt } from "../config/table-optimizer-config.js";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { scatterTableRows } from "../kernels/table-rows.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "../step/sparse-grads.js";
import type { StepBuffers } from "../step/step-buffers.js";
import { createRowOptimizer } from "./create-row-optimizer.js";
import type { RowOptimizer } from "./row-optimizer.js";

/**
 * The optimizers of a TwHIN model: one row optimizer per table (the original's per-table fused
 * optimizers) and one for the relation operators (`translation_optimizer`; skipped when the
 * parity keeps the operators detached). `apply` updates only the rows of the last step.
 */
export class ModelOptimizers {
  readonly tableOptimizers: RowOptimizer[];
  readonly relationOptimizer: RowOptimizer;
  private readonly model: TwhinModel;
  private readonly config: TwhinConfig;

  /** `allocate` makes the optimizer state (shared memory for Hogwild workers). */
  constructor(model: TwhinModel, config: TwhinConfig, allocate: Float32Allocator = heapFloat32) {
    this.model = model;
    this.config = config;
    this.tableOptimizers = config.model.embeddings.tables.map((table, t) =>
      createRowOptimizer(table.optimizer, model.tables[t]!.rows, model.dim, allocate),
    );
    this.relationOptimizer = createRowOptimizer(
      config.model.translation_optimizer,
      model.numOperatorRows,
      model.dim,
      allocate,
    );
  }

  /**
   * Applies a step's row-sparse gradients (`buffers`) as update `update` (1-based; the learning
   * rate schedules read update - 1).
   */
  apply(buffers: StepBuffers, kernels: StepKernels, update: number): void {
    this.applyTables(buffers, kernels, update - 1, update);
    this.applyRelations(buffers.relationGrads, update - 1, update);
  }

  /**
   * The tables' part of `apply`, with learning rates at schedule step `scheduleStep` and `update`
   * as the optimizers' update count (Adam's bias correction). A gathered optimizer updates the
   * batch's rows in the kernels' memory, which are then written back to the table.
   */
  applyTables(
    buffers: StepBuffers,
    kernels: StepKernels,
    scheduleStep: number,
    update: number,
  ): void {
    const dim = this.model.dim;
    this.model.tables.forEach((table, t) => {
      const grads = buffers.tableGrads[t]!;
      if (grads.count === 0) return;
      const rate = this.tableRate(t, scheduleStep);
      const gathered = this.tableOptimizers[t]!.updateGathered?.(
        buffers.tableRows[t]!,
        buffers.slotState[t]!,
        grads.rowIds,
        grads.grads,
        grads.count,
        rate,
        kernels,
      );
      if (!gathered) {
        this.updateTableRows(t, grads, rate, update);
        return;
      }
      scatterTableRows(buffers.tableRowViews[t]!, grads.rowIds, grads.count, dim, table.data);
    });
  }

  /**
   * Applies gradients held outside a step's buffers (an accumulation window's, `grads[t]` per
   * table) straight to the tables' rows; rates and `update` as in `applyTables`.
   */
  applyTableGradients(grads: readonly SparseGrads[], scheduleStep: number, update: number): void {
    grads.forEach((tableGrads, t) => {
      if (tableGrads.count > 0)
        this.updateTableRows(t, tableGrads, this.tableRate(t, scheduleStep), update);
    });
  }

  /** Applies operator-row gradients (when the parity trains the operators); rates and `update` as in `applyTables`. */
  applyRelations(relationGrads: SparseGrads, scheduleStep: number, update: number): void {
    if (!this.model.parity.trainOperators || relationGrads.count === 0) return;
    this.relationOptimizer.update(
      this.model.relationParams,
      relationGrads.rowIds,
      relationGrads.grads,
      relationGrads.count,
      learningRateAt(this.config.model.translation_optimizer, scheduleStep),
      update,
    );
  }

  private tableRate(t: number, scheduleStep: number): number {
    return learningRateAt(this.config.model.embeddings.tables[t]!.optimizer, scheduleStep);
  }

  private updateTableRows(t: number, grads: SparseGrads, rate: number, update: number): void {
    const table = this.model.tables[t]!;
    this.tableOptimizers[t]!.update(
      table.data,
      grads.rowIds,
      grads.grads,
      grads.count,
      rate,
      update,
    );
  }
}
