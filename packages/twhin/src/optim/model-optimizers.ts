import { scaledLearningRate } from "@tml/training";
import { type Float32Allocator, heapFloat32 } from "@tml/training/parallel";
import { learningRateAt } from "../config/table-optimizer-config.js";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "../step/sparse-grads.js";
import type { StepBuffers } from "../step/step-buffers.js";
import { createRowOptimizer } from "./create-row-optimizer.js";
import type { RowOptimizer } from "./row-optimizer.js";

/** Float32 rows in slot order (slots x D) with a view of each slot's row (write-back without allocation). */
export interface DecodedRows {
  rows: Float32Array;
  views: readonly Float32Array[];
}

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
  private rateScale = 1;
  private rateFloor = 0;

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
   * Scales every learning rate, tables' and operators' (the loop's `reduce_lr_on_plateau`): a rate
   * `r` of its schedule becomes `min(r, max(r · scale, floor))`, so the scale never takes a rate
   * below `floor` nor above its schedule.
   */
  setLearningRateScale(scale: number, floor: number): void {
    this.rateScale = scale;
    this.rateFloor = floor;
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
   * batch's rows in the kernels' memory, which are then written back to the table; a staged one
   * updates an fp32 table's rows in place, a block at a time through the kernels' memory (see
   * `RowOptimizer.updateStaged`). Otherwise an fp32 table is updated in place; a 16-bit table's rows, decoded into the kernels' memory when
   * the step gathered them, are updated there in float32 and written back rounded (as the
   * gathered path does, under Hogwild a row another thread changed since the gather is
   * overwritten).
   */
  applyTables(
    buffers: StepBuffers,
    kernels: StepKernels,
    scheduleStep: number,
    update: number,
  ): void {
    this.model.tables.forEach((table, t) => {
      const grads = buffers.tableGrads[t]!;
      if (grads.count === 0) return;
      const rate = this.tableRate(t, scheduleStep);
      const rows = { rows: buffers.tableRows[t]!, views: buffers.tableRowViews[t]! };
      const gathered = this.tableOptimizers[t]!.updateGathered?.(
        rows.rows,
        buffers.slotState[t]!,
        grads.rowIds,
        grads.grads,
        grads.count,
        rate,
        kernels,
      );
      if (gathered) {
        table.writeRows(rows.views, grads.rowIds, grads.count);
        return;
      }
      const stage = buffers.optimizerStage;
      if (table.stored instanceof Float32Array) {
        const optimizer = this.tableOptimizers[t]!;
        const { rowIds, count } = grads;
        if (
          optimizer.updateStaged?.(table.stored, rowIds, grads.grads, count, rate, kernels, stage)
        )
          return;
      }
      this.updateTableRows(t, grads, rate, update, rows, true);
    });
  }

  /**
   * Applies gradients held outside a step's buffers (an accumulation window's: `grads[t]` per
   * table) to the tables' rows; a 16-bit table's rows are decoded into `scratch[t]` (slots x D)
   * first. Rates and `update` as in `applyTables`.
   */
  applyTableGradients(
    grads: readonly SparseGrads[],
    scratch: readonly DecodedRows[],
    scheduleStep: number,
    update: number,
  ): void {
    grads.forEach((tableGrads, t) => {
      if (tableGrads.count === 0) return;
      const rate = this.tableRate(t, scheduleStep);
      this.updateTableRows(t, tableGrads, rate, update, scratch[t]!, false);
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
      this.scaled(learningRateAt(this.config.model.translation_optimizer, scheduleStep)),
      update,
      "by-id",
    );
  }

  private tableRate(t: number, scheduleStep: number): number {
    return this.scaled(
      learningRateAt(this.config.model.embeddings.tables[t]!.optimizer, scheduleStep),
    );
  }

  private scaled(rate: number): number {
    return scaledLearningRate(rate, this.rateScale, this.rateFloor);
  }

  // An fp32 table's rows updated in place; a 16-bit table's updated as float32 in `decoded`
  // (read from the table first unless `isDecoded`) and written back rounded.
  private updateTableRows(
    t: number,
    grads: SparseGrads,
    rate: number,
    update: number,
    decoded: DecodedRows,
    isDecoded: boolean,
  ): void {
    const table = this.model.tables[t]!;
    const optimizer = this.tableOptimizers[t]!;
    const { rowIds, count } = grads;
    if (table.stored instanceof Float32Array) {
      optimizer.update(table.stored, rowIds, grads.grads, count, rate, update, "by-id");
      return;
    }
    if (!isDecoded) table.readRows(rowIds, count, decoded.rows);
    optimizer.update(decoded.rows, rowIds, grads.grads, count, rate, update, "by-slot");
    table.writeRows(decoded.views, rowIds, count);
  }
}
