import { CheckpointError, checkStateArray, type StateArray } from "@tml/core";
import { computeLearningRate, type LearningRateConfig, scaledLearningRate } from "@tml/training";
import type { LargeEmbeddingsConfig } from "../config/model-config.js";
import type { EmbeddingBag, RowSparseGradient } from "../model/embedding-bag.js";

/** What one `EmbeddingOptimizer.step` did. */
export interface EmbeddingStepResult {
  /** The learning rate applied (schedule × plateau scale). */
  readonly learningRate: number;
  /** Table rows updated, summed over tables. */
  readonly rowsUpdated: number;
}

/**
 * The row-sparse optimizer of the large tables (`large_embeddings.optimizer`), applied to the rows
 * a batch touched only, as torchrec's fused optimizers: SGD (`w -= lr · g`) or, with
 * `rowwise_adagrad`, EXACT_ROWWISE_ADAGRAD (one float per row: `G += mean_d g_d²;
 * w -= lr · g / (√G + eps)`; a 10M-row table's state is 40 MB). The rate is the `learning_rate`
 * schedule at the schedule step the caller gives (the dense optimizer's: the loop's step), or
 * `init_learning_rate`, times the plateau scale.
 */
export class EmbeddingOptimizer {
  private readonly config: LargeEmbeddingsConfig["optimizer"];
  private readonly tables: readonly EmbeddingBag[];
  /** Per table: one accumulator per row (rowwise_adagrad), else empty. */
  private readonly accumulators: Float32Array[];
  private scratch = new Float32Array(0);
  private scale = 1;
  private floor = 0;

  constructor(config: LargeEmbeddingsConfig["optimizer"], tables: readonly EmbeddingBag[]) {
    this.config = config;
    this.tables = tables;
    const adagrad = config.rowwise_adagrad;
    this.accumulators = tables.map((table) =>
      adagrad
        ? new Float32Array(table.rows).fill(adagrad.initial_accumulator_value)
        : new Float32Array(0),
    );
  }

  /** The rate at schedule step `scheduleStep`. */
  learningRate(scheduleStep: number): number {
    const schedule = this.config.learning_rate;
    const base = schedule
      ? computeLearningRate(schedule as LearningRateConfig, scheduleStep)
      : this.config.init_learning_rate;
    return scaledLearningRate(base, this.scale, this.floor);
  }

  /** Scales the rate (reduce-on-plateau, as `DenseOptimizer`): never below `floor` nor above the schedule. */
  setLearningRateScale(scale: number, floor: number): void {
    this.scale = scale;
    this.floor = floor;
  }

  /** Applies one row-sparse gradient per table (table order) at schedule step `scheduleStep`. */
  apply(gradients: readonly RowSparseGradient[], scheduleStep: number): EmbeddingStepResult {
    const learningRate = this.learningRate(scheduleStep);
    const eps = this.config.rowwise_adagrad?.eps ?? 0;
    let rowsUpdated = 0;
    this.tables.forEach((table, index) => {
      const gradient = gradients[index] as RowSparseGradient;
      const accumulator = this.accumulators[index] as Float32Array;
      const { dim } = table;
      for (let slot = 0; slot < gradient.count; slot++) {
        const row = gradient.rowIds[slot] as number;
        const source = slot * dim;
        let rate = learningRate;
        if (accumulator.length > 0) {
          let squares = 0;
          for (let d = 0; d < dim; d++) squares += (gradient.values[source + d] as number) ** 2;
          const total = (accumulator[row] as number) + squares / dim;
          accumulator[row] = total;
          rate = learningRate / (Math.sqrt(total) + eps);
          if (!Number.isFinite(rate)) continue;
        }
        // fp32 arithmetic whatever the storage: decode the row, update it, write it back rounded.
        const rowValues = this.rowScratch(dim);
        table.readRow(row, rowValues, 0);
        for (let d = 0; d < dim; d++)
          rowValues[d] = (rowValues[d] as number) - rate * (gradient.values[source + d] as number);
        table.writeRow(row, rowValues, 0);
      }
      rowsUpdated += gradient.count;
    });
    return { learningRate, rowsUpdated };
  }

  private rowScratch(dim: number): Float32Array {
    if (this.scratch.length < dim) this.scratch = new Float32Array(dim);
    return this.scratch;
  }

  /** Accumulators under `<prefix><table>.accumulator`, for a checkpoint. */
  getState(prefix: string): Record<string, StateArray> {
    const arrays: Record<string, StateArray> = {};
    this.tables.forEach((table, index) => {
      const accumulator = this.accumulators[index] as Float32Array;
      if (accumulator.length === 0) return;
      arrays[`${prefix}${table.name}.accumulator`] = {
        dtype: "float32",
        shape: [table.rows],
        data: accumulator,
      };
    });
    return arrays;
  }

  /** Restores `getState` output in place; throws CheckpointError on a missing or misshapen array. */
  setState(prefix: string, arrays: Readonly<Record<string, StateArray>>): void {
    this.tables.forEach((table, index) => {
      const accumulator = this.accumulators[index] as Float32Array;
      if (accumulator.length === 0) return;
      const key = `${prefix}${table.name}.accumulator`;
      const array = arrays[key];
      if (!array) throw new CheckpointError(`checkpoint has no ${key}`);
      checkStateArray(key, array, [table.rows], "float32");
      accumulator.set(array.data as Float32Array);
    });
  }
}
