import { CheckpointError, ConfigError, checkStateArray, type StateArray } from "@tml/core";
import { type AccumulationParity, accumulationAction } from "@tml/training";
import type { EmbeddingBag, RowSparseGradient } from "../model/embedding-bag.js";
import type { EmbeddingOptimizer, EmbeddingStepResult } from "./embedding-optimizer.js";

/** `training.gradient_accumulation` of the large tables: micro-batches per update (N ≥ 2) and the rule. */
export interface EmbeddingAccumulationSettings {
  readonly steps: number;
  readonly parity: AccumulationParity;
}

/** The JSON half of the accumulation's checkpoint state: the settings it was trained with. */
export type EmbeddingAccumulationStateJson = EmbeddingAccumulationSettings;

/** One table's pending window: summed row gradients, one slot per touched row, in first-touch order. */
class PendingRows {
  readonly dim: number;
  rowIds = new Int32Array(0);
  values = new Float32Array(0);
  count = 0;
  private readonly slotOfRow = new Map<number, number>();

  constructor(dim: number) {
    this.dim = dim;
  }

  /** Adds `scale · gradient` into the pending rows. */
  add(gradient: RowSparseGradient, scale: number): void {
    const { dim } = this;
    this.reserve(this.count + gradient.count);
    for (let slot = 0; slot < gradient.count; slot++) {
      const row = gradient.rowIds[slot] as number;
      let target = this.slotOfRow.get(row);
      if (target === undefined) {
        target = this.count++;
        this.slotOfRow.set(row, target);
        this.rowIds[target] = row;
        this.values.fill(0, target * dim, (target + 1) * dim);
      }
      const source = slot * dim;
      const start = target * dim;
      for (let d = 0; d < dim; d++)
        this.values[start + d] += scale * (gradient.values[source + d] as number);
    }
  }

  /** The pending rows as a row-sparse gradient (views, valid until the next change). */
  gradient(): RowSparseGradient {
    return { rowIds: this.rowIds, values: this.values, count: this.count };
  }

  clear(): void {
    this.count = 0;
    this.slotOfRow.clear();
  }

  /** Replaces the window by `rowIds` / `values` (a checkpoint's). */
  restore(rowIds: Int32Array, values: Float32Array): void {
    this.clear();
    this.reserve(rowIds.length);
    this.rowIds.set(rowIds);
    this.values.set(values);
    this.count = rowIds.length;
    for (let slot = 0; slot < rowIds.length; slot++)
      this.slotOfRow.set(rowIds[slot] as number, slot);
  }

  private reserve(slots: number): void {
    if (this.rowIds.length >= slots) return;
    const capacity = Math.max(slots, 2 * this.rowIds.length);
    const rowIds = new Int32Array(capacity);
    rowIds.set(this.rowIds.subarray(0, this.count));
    const values = new Float32Array(capacity * this.dim);
    values.set(this.values.subarray(0, this.count * this.dim));
    this.rowIds = rowIds;
    this.values = values;
  }
}

/**
 * Gradient accumulation over the large tables' row-sparse updates: N = `steps` micro-batches (the
 * loop's steps) per update, the loss of each divided by N, as `DenseOptimizer` divides the dense
 * gradients.
 *
 * `intended`: every window of N micro-batches sums the row gradients its micro-batches give the
 * tables (÷ N), and the row-sparse optimizer applies the sum once, at the window's last
 * micro-batch; for the mean loss this equals one batch of N·b rows.
 *
 * `original` reproduces the original's reading: `projects/home/recap/optimizer/optimizer.py` hands
 * the large tables to the sharded model's torchrec `fused_optimizer`, whose kernels update the rows
 * inside the backward pass (its step and zero_grad do nothing; `projects/home/recap/main.py` never enabled
 * `large_embeddings`). So each micro-batch updates its rows at once by the gradient of loss ÷ N and
 * the tables accumulate nothing, while the dense weights follow `core/train_pipeline.py`'s
 * zero/step rule (`DenseOptimizer`). TwHIN's tables follow the same rule.
 *
 * The learning-rate schedule reads the micro-batch index (the loop's step) of the micro-batch that
 * applies, as the dense groups' do.
 */
export class EmbeddingGradientAccumulation {
  readonly settings: EmbeddingAccumulationSettings;
  private readonly tables: readonly EmbeddingBag[];
  private readonly pending: PendingRows[];

  constructor(tables: readonly EmbeddingBag[], settings: EmbeddingAccumulationSettings) {
    this.tables = tables;
    this.settings = settings;
    this.pending = tables.map((table) => new PendingRows(table.dim));
  }

  /**
   * Feeds micro-batch `call`'s (0-based: the loop's step) row gradients, one per table; applies
   * `optimizer` when the rule says so and returns what it did (undefined while accumulating). The
   * gradients are scratch and may be scaled in place.
   */
  feed(
    gradients: readonly RowSparseGradient[],
    call: number,
    optimizer: EmbeddingOptimizer,
  ): EmbeddingStepResult | undefined {
    const { steps, parity } = this.settings;
    const scale = 1 / steps;
    if (parity === "original") {
      gradients.forEach((gradient, index) => {
        const end = gradient.count * (this.tables[index] as EmbeddingBag).dim;
        for (let i = 0; i < end; i++) gradient.values[i]! *= scale;
      });
      return optimizer.apply(gradients, call);
    }
    const action = accumulationAction(call, steps, parity);
    if (action.zero) for (const rows of this.pending) rows.clear();
    gradients.forEach((gradient, index) => {
      this.pending[index]?.add(gradient, scale);
    });
    if (!action.step) return undefined;
    const result = optimizer.apply(
      this.pending.map((rows) => rows.gradient()),
      call,
    );
    for (const rows of this.pending) rows.clear();
    return result;
  }

  /** Pending rows under `<prefix><table>.rows` (int32 [n]) and `.grads` (float32 [n, dim]). */
  state(prefix: string): {
    arrays: Record<string, StateArray>;
    json: EmbeddingAccumulationStateJson;
  } {
    const arrays: Record<string, StateArray> = {};
    this.tables.forEach((table, index) => {
      const rows = this.pending[index] as PendingRows;
      arrays[`${prefix}${table.name}.rows`] = {
        dtype: "int32",
        shape: [rows.count],
        data: rows.rowIds.slice(0, rows.count),
      };
      arrays[`${prefix}${table.name}.grads`] = {
        dtype: "float32",
        shape: [rows.count, table.dim],
        data: rows.values.slice(0, rows.count * table.dim),
      };
    });
    return { arrays, json: { ...this.settings } };
  }

  /** Restores `state` output exactly; throws CheckpointError on a missing or misshapen array. */
  restore(prefix: string, arrays: Readonly<Record<string, StateArray>>): void {
    this.tables.forEach((table, index) => {
      const rowsKey = `${prefix}${table.name}.rows`;
      const gradsKey = `${prefix}${table.name}.grads`;
      const rowIds = arrays[rowsKey];
      const grads = arrays[gradsKey];
      if (!rowIds || !grads)
        throw new CheckpointError(`checkpoint has no ${rowsKey} / ${gradsKey}`);
      const count = rowIds.shape[0] ?? 0;
      checkStateArray(rowsKey, rowIds, [count], "int32");
      checkStateArray(gradsKey, grads, [count, table.dim], "float32");
      (this.pending[index] as PendingRows).restore(
        rowIds.data as Int32Array,
        grads.data as Float32Array,
      );
    });
  }
}

/**
 * ConfigError when a checkpoint was trained with other large-table accumulation settings than the
 * config's (`undefined`: none): its pending rows would not fit the run.
 */
export function checkSameEmbeddingAccumulation(
  saved: EmbeddingAccumulationStateJson | undefined,
  settings: EmbeddingAccumulationSettings | undefined,
): void {
  const describe = (value: EmbeddingAccumulationSettings | undefined) =>
    value ? `gradient_accumulation ${value.steps} (${value.parity})` : "no gradient accumulation";
  const before = describe(saved);
  const now = describe(settings);
  if (before === now) return;
  throw new ConfigError(
    `Cannot resume: the checkpoint's large embeddings were trained with ${before}, the config asks for ${now}. Resume with the settings it was trained with, or warm-start a new run from it (training.initial_checkpoint_dir).`,
    { details: { checkpoint_accumulation: before, config_accumulation: now } },
  );
}
