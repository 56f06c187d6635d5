import type { EdgeBatch } from "../data/edge-batch.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "./sparse-grads.js";

/**
 * A batch's edges sorted by relation (a counting sort, stable): relation r's edges are rows
 * `start[r] .. start[r + 1]` of `relation`, `lhs`, `rhs` (B each). In-batch negatives are drawn
 * within a group, and the step's rows follow this order.
 */
export class EdgeGroups {
  /** Per relation: its first row, and one past the last relation's rows (R + 1). */
  readonly start: Int32Array;
  readonly relation: Int32Array;
  readonly lhs: Int32Array;
  readonly rhs: Int32Array;
  private readonly model: TwhinModel;
  private readonly cursor: Int32Array;

  constructor(model: TwhinModel, batchSize: number) {
    this.model = model;
    this.start = new Int32Array(model.relations.length + 1);
    this.cursor = new Int32Array(model.relations.length);
    this.relation = new Int32Array(batchSize);
    this.lhs = new Int32Array(batchSize);
    this.rhs = new Int32Array(batchSize);
  }

  /** Groups `batch` and gives each of its table rows a slot in `tableGrads`. */
  group(batch: EdgeBatch, tableGrads: SparseGrads[]): void {
    const starts = this.start;
    const numRelations = this.model.relations.length;
    starts.fill(0);
    for (let i = 0; i < batch.size; i++) starts[batch.rel[i]! + 1]!++;
    for (let r = 0; r < numRelations; r++) starts[r + 1]! += starts[r]!;
    const cursor = this.cursor;
    cursor.set(starts.subarray(0, numRelations));
    for (let i = 0; i < batch.size; i++) {
      const relation = batch.rel[i]!;
      const row = cursor[relation]!++;
      this.relation[row] = relation;
      this.lhs[row] = batch.lhs[i]!;
      this.rhs[row] = batch.rhs[i]!;
      const resolved = this.model.relations[relation]!;
      tableGrads[resolved.lhsTable]!.slot(batch.lhs[i]!);
      tableGrads[resolved.rhsTable]!.slot(batch.rhs[i]!);
    }
  }
}
