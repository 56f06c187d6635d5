import { CheckpointError, checkStateArray, type StateArray } from "@tml/core";
import { rowViews } from "../kernels/table-rows.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { SparseGrads } from "../step/sparse-grads.js";
import type { DecodedRows } from "./model-optimizers.js";

/**
 * Row-sparse gradients summed over the micro-batches of an accumulation window: per table, every
 * row some micro-batch touched with its summed gradient (slots in first-touch order), and the same
 * for the relation operator rows. A table holds at most `min(rows, micro-batches x step slots)`
 * rows, preallocated (with a float32 copy of them for a 16-bit table), so accumulating
 * allocates nothing per step.
 */
export class AccumulatedGradients {
  /** Per table: the window's rows and summed gradients (slots x D). */
  readonly tables: SparseGrads[];
  /** The window's operator rows and summed gradients. */
  readonly relations: SparseGrads;
  /** Per table: scratch to update a 16-bit table's window rows in float32 (empty for fp32). */
  readonly decoded: DecodedRows[];
  private readonly model: TwhinModel;

  /** `stepSlots[t]`: slots one step may fill in table t; `steps`: micro-batches per window. */
  constructor(model: TwhinModel, stepSlots: readonly number[], steps: number) {
    this.model = model;
    const dim = model.dim;
    this.tables = model.tables.map(
      (table, t) => new SparseGrads(table.rows, dim, Math.min(table.rows, steps * stepSlots[t]!)),
    );
    this.relations = new SparseGrads(model.numOperatorRows, dim, model.numOperatorRows);
    this.decoded = model.tables.map((table, t) => {
      const rows = new Float32Array(
        table.stored instanceof Float32Array ? 0 : this.tables[t]!.rowIds.length * dim,
      );
      return { rows, views: rowViews(rows, dim) };
    });
  }

  /** Adds `scale` x each table's step gradients. */
  addTables(stepGrads: readonly SparseGrads[], scale: number): void {
    stepGrads.forEach((grads, t) => {
      addScaled(this.tables[t]!, grads, scale);
    });
  }

  /** Adds `scale` x the step's operator-row gradients. */
  addRelations(stepGrads: SparseGrads, scale: number): void {
    addScaled(this.relations, stepGrads, scale);
  }

  /** Forgets the tables' rows. */
  clearTables(): void {
    for (const grads of this.tables) grads.reset();
  }

  /** Forgets the operator rows. */
  clearRelations(): void {
    this.relations.reset();
  }

  /**
   * The pending rows as checkpoint arrays: `accumulated/<table>/rows` (int32, slots) and
   * `accumulated/<table>/grads` (float32, slots x D), and `accumulated/relations/…`.
   */
  arrays(): Record<string, StateArray> {
    const out: Record<string, StateArray> = {};
    const save = (name: string, grads: SparseGrads) => {
      const count = grads.count;
      out[`accumulated/${name}/rows`] = {
        dtype: "int32",
        shape: [count],
        data: grads.rowIds.slice(0, count),
      };
      out[`accumulated/${name}/grads`] = {
        dtype: "float32",
        shape: [count, this.model.dim],
        data: grads.grads.slice(0, count * this.model.dim),
      };
    };
    this.model.tables.forEach((table, t) => {
      save(table.name, this.tables[t]!);
    });
    save("relations", this.relations);
    return out;
  }

  /** Restores `arrays()` output exactly (slot order included); CheckpointError when one is missing or misshapen. */
  restore(arrays: Readonly<Record<string, StateArray>>, step: number): void {
    const load = (name: string, grads: SparseGrads, rows: number) => {
      grads.reset();
      const ids = arrays[`accumulated/${name}/rows`];
      const values = arrays[`accumulated/${name}/grads`];
      if (!ids || !values) {
        throw new CheckpointError(
          `Checkpoint (step ${step}) has no accumulated gradients of ${name}; it was written without gradient accumulation.`,
          { details: { array: `accumulated/${name}` } },
        );
      }
      const count = ids.shape[0] ?? 0;
      checkStateArray(`accumulated/${name}/rows`, ids, [count], "int32");
      checkStateArray(`accumulated/${name}/grads`, values, [count, this.model.dim], "float32");
      if (count > grads.rowIds.length) {
        throw new CheckpointError(
          `Checkpoint (step ${step}) holds ${count} accumulated rows of ${name}, more than this config's window can (${grads.rowIds.length}).`,
          { details: { array: `accumulated/${name}/rows` } },
        );
      }
      const rowIds = ids.data as Int32Array;
      for (let s = 0; s < count; s++) {
        const row = rowIds[s]!;
        if (!(row >= 0 && row < rows) || grads.slotOf[row]! >= 0) {
          throw new CheckpointError(
            `Checkpoint (step ${step}) accumulates row ${row} of ${name}, outside its ${rows} rows or twice.`,
            { details: { array: `accumulated/${name}/rows` } },
          );
        }
        grads.slot(row);
      }
      grads.grads.set(values.data as Float32Array);
    };
    this.model.tables.forEach((table, t) => {
      load(table.name, this.tables[t]!, table.rows);
    });
    load("relations", this.relations, this.model.numOperatorRows);
  }
}

// target += scale * source, row by row (a row new to the target gets a zeroed slot first).
function addScaled(target: SparseGrads, source: SparseGrads, scale: number): void {
  const dim = target.dim;
  for (let s = 0; s < source.count; s++) {
    const into = target.slot(source.rowIds[s]!) * dim;
    const from = s * dim;
    for (let d = 0; d < dim; d++) target.grads[into + d]! += scale * source.grads[from + d]!;
  }
}
