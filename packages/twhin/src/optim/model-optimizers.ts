import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import { learningRateAt } from "../config/table-optimizer-config.js";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { TwhinModel } from "../model/twhin-model.js";
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
   * rate schedules read update - 1). A gathered optimizer updates the batch's rows in the kernels'
   * memory, which are then written back to the table. Otherwise an fp32 table is updated in place;
   * a 16-bit table's rows, decoded into the kernels' memory when the step gathered them, are
   * updated there in float32 and written back rounded (as the gathered path does, under Hogwild a
   * row another thread changed since the gather is overwritten).
   */
  apply(buffers: StepBuffers, kernels: StepKernels, update: number): void {
    const tables = this.config.model.embeddings.tables;
    this.model.tables.forEach((table, t) => {
      const grads = buffers.tableGrads[t]!;
      if (grads.count === 0) return;
      const rate = learningRateAt(tables[t]!.optimizer, update - 1);
      const optimizer = this.tableOptimizers[t]!;
      const rows = buffers.tableRows[t]!;
      const gathered = optimizer.updateGathered?.(
        rows,
        buffers.slotState[t]!,
        grads.rowIds,
        grads.grads,
        grads.count,
        rate,
        kernels,
      );
      if (!gathered && table.stored instanceof Float32Array) {
        optimizer.update(
          table.stored,
          grads.rowIds,
          grads.grads,
          grads.count,
          rate,
          update,
          "by-id",
        );
        return;
      }
      if (!gathered) {
        optimizer.update(rows, grads.rowIds, grads.grads, grads.count, rate, update, "by-slot");
      }
      table.writeRows(buffers.tableRowViews[t]!, grads.rowIds, grads.count);
    });
    const relationGrads = buffers.relationGrads;
    if (this.model.parity.trainOperators && relationGrads.count > 0) {
      const rate = learningRateAt(this.config.model.translation_optimizer, update - 1);
      this.relationOptimizer.update(
        this.model.relationParams,
        relationGrads.rowIds,
        relationGrads.grads,
        relationGrads.count,
        rate,
        update,
        "by-id",
      );
    }
  }
}
