import { NumericError, type Rng } from "@tml/core";
import { learningRateAt } from "../config/optimizer-config.js";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { KernelKind } from "../kernels/step-kernels.js";
import { scatterTableRows } from "../kernels/table-rows.js";
import type { DenseProducts } from "../model/dense-products.js";
import { createRowOptimizer, type RowOptimizer } from "../model/row-optimizer.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { type EdgeBatch, validateBatch } from "./edge-batch.js";
import { TwhinStep } from "./twhin-step.js";

/**
 * One training update of a TwHIN model: validate the batch, compute the loss and row-sparse
 * gradients, then apply each table's optimizer to its touched rows and the translation optimizer
 * to the touched relation rows (skipped under the original's parity: translations are detached).
 */
export class TwhinTrainer {
  readonly model: TwhinModel;
  readonly step: TwhinStep;
  readonly tableOptimizers: RowOptimizer[];
  readonly relationOptimizer: RowOptimizer;
  private readonly config: TwhinConfig;
  /** Updates applied so far (the global step). */
  steps = 0;

  /** `kernels` picks the step's hot-loop implementation (default: SIMD when available). */
  constructor(
    model: TwhinModel,
    config: TwhinConfig,
    products?: DenseProducts,
    kernels: KernelKind | "auto" = "auto",
  ) {
    this.model = model;
    this.config = config;
    const data = config.train_data;
    this.step = new TwhinStep(model, {
      batchSize: data.per_replica_batch_size,
      inBatchNegatives: data.in_batch_negatives,
      globalNegatives: data.global_negatives,
      loss: config.model.loss,
      regularization: config.model.regularization,
      ...(products ? { products } : {}),
      kernels,
    });
    this.tableOptimizers = config.model.embeddings.tables.map((table, t) =>
      createRowOptimizer(table.optimizer, model.tables[t]!.rows, model.dim),
    );
    this.relationOptimizer = createRowOptimizer(
      config.model.translation_optimizer,
      model.numOperatorRows,
      model.dim,
    );
  }

  /** Trains on one batch; returns its loss. NumericError (naming the step) on a non-finite loss. */
  trainBatch(batch: EdgeBatch, rng: Rng, where = "train_data"): number {
    validateBatch(this.model, batch, where);
    const loss = this.step.computeGradients(batch, rng);
    if (!Number.isFinite(loss)) {
      throw new NumericError(`Loss is ${loss} at step ${this.steps}; no update was applied.`, {
        details: { step: this.steps },
      });
    }
    const update = this.steps + 1;
    const tables = this.config.model.embeddings.tables;
    this.model.tables.forEach((table, t) => {
      const grads = this.step.tableGrads[t]!;
      if (grads.count === 0) return;
      const rate = learningRateAt(tables[t]!.optimizer, this.steps);
      const optimizer = this.tableOptimizers[t]!;
      const rows = this.step.tableRows[t]!;
      const gathered = optimizer.updateGathered?.(
        rows,
        this.step.slotState[t]!,
        grads.rowIds,
        grads.grads,
        grads.count,
        rate,
        this.step.kernels,
      );
      if (!gathered) {
        optimizer.update(table.data, grads.rowIds, grads.grads, grads.count, rate, update);
        return;
      }
      const views = this.step.tableRowViews[t]!;
      scatterTableRows(views, grads.rowIds, grads.count, this.model.dim, table.data);
    });
    const relationGrads = this.step.relationGrads;
    if (!this.model.parityOriginal && relationGrads.count > 0) {
      const rate = learningRateAt(this.config.model.translation_optimizer, this.steps);
      this.relationOptimizer.update(
        this.model.relationParams,
        relationGrads.rowIds,
        relationGrads.grads,
        relationGrads.count,
        rate,
        update,
      );
    }
    this.steps = update;
    return loss;
  }
}
