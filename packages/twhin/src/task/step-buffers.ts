import { arenaFloats } from "../kernels/simd-kernels.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { rowViews } from "../kernels/table-rows.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { SparseGrads } from "./sparse-grads.js";

/** Batch shape a step's scratch is sized for. */
export interface StepShape {
  batchSize: number;
  inBatchNegatives: number;
  globalNegatives: number;
}

// Float lengths of every kernel-owned array, in allocation order.
function layout(model: TwhinModel, shape: StepShape) {
  const { batchSize: b, inBatchNegatives: n, globalNegatives: k } = shape;
  const dim = model.dim;
  const width = 1 + n + k;
  const m = Math.max(n, k, 1);
  const operatorRows = model.numOperatorRows;
  return {
    perDirection: [b * dim, b * dim, b * dim, b * dim, b, b, b * width, b * width],
    candidates: [m * dim, m * dim, m, m],
    rowSum: b,
    operators: [operatorRows * dim, operatorRows * dim],
    tableGrads: model.tables.map(() => (2 * b + k) * dim),
    tableSlots: model.tables.map(() => 2 * b + k),
    rowIndices: [b, b, b, b, b, m],
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Floats of kernel arena a step of this shape allocates. */
export function stepArenaFloats(model: TwhinModel, shape: StepShape): number {
  const l = layout(model, shape);
  return arenaFloats([
    ...l.perDirection,
    ...l.perDirection,
    ...l.candidates,
    l.rowSum,
    ...l.operators,
    sum(l.tableGrads),
    sum(l.tableGrads),
    ...l.tableSlots,
    ...l.rowIndices,
  ]);
}

/**
 * The preallocated scratch of a TwhinStep, owned by its kernels (so the SIMD kernels find every
 * operand in their memory). Per direction (TAIL = 0, HEAD = 1): queries `a`, positives `p`, their
 * gradients, norms, and the score / dScore rows (`width` = 1 + in-batch + global negatives).
 */
export class StepBuffers {
  readonly width: number;
  readonly a: Float32Array[] = [];
  readonly p: Float32Array[] = [];
  readonly dA: Float32Array[] = [];
  readonly dP: Float32Array[] = [];
  readonly aNorm: Float32Array[] = [];
  readonly pNorm: Float32Array[] = [];
  readonly scores: Float32Array[] = [];
  readonly grad: Float32Array[] = [];
  /** In-batch candidate rows of one relation group and their gradients. */
  readonly cRows: Float32Array;
  readonly dC: Float32Array;
  readonly cSq: Float32Array;
  readonly colSum: Float32Array;
  readonly rowSum: Float32Array;
  /** A copy of the model's operator parameters, refreshed each step. */
  readonly relationParams: Float32Array;
  readonly tableGrads: SparseGrads[];
  readonly relationGrads: SparseGrads;
  /** Per table: the rows of the batch's slots, gathered in slot order (as `tableGrads[t].grads`). */
  readonly tableRows: Float32Array[];
  /** All tables' gathered rows, table after table (`tableRows[t]` are views of it). */
  readonly allRows: Float32Array;
  /** All tables' slot gradients, laid out as `allRows` (`tableGrads[t].grads` are views of it). */
  readonly allGrads: Float32Array;
  /** Per table: its first row in `allRows` / `allGrads`. */
  readonly tableBase: number[];
  /**
   * Per (edge, direction) row, filled by the step: the `allRows` row of A and of P, the operator
   * row added to the operated side (-1: not a translation), and the relation-gradient slot (-1: none).
   */
  readonly sourceA: Int32Array;
  readonly sourceP: Int32Array;
  readonly operatorRow: Int32Array;
  readonly relationSlot: Int32Array;
  /** Per row: the `allRows` row a diagonal / complex operator acted on (-1: none did). */
  readonly operatorInput: Int32Array;
  /** The direction rows the current in-batch candidates (`cRows`) were gathered from. */
  readonly candidateRows: Int32Array;
  /** Per table: a view of each slot's row in `tableRows` (write-back without allocation). */
  readonly tableRowViews: Float32Array[][];
  /** Per table: one float of optimizer state per slot (gathered by the optimizer). */
  readonly slotState: Float32Array[];

  constructor(model: TwhinModel, shape: StepShape, kernels: StepKernels) {
    const l = layout(model, shape);
    this.width = 1 + shape.inBatchNegatives + shape.globalNegatives;
    const lists = [
      this.a,
      this.p,
      this.dA,
      this.dP,
      this.aNorm,
      this.pNorm,
      this.scores,
      this.grad,
    ];
    for (let direction = 0; direction < 2; direction++) {
      l.perDirection.forEach((length, i) => {
        lists[i]!.push(kernels.float32(length));
      });
    }
    const [cRows, dC, cSq, colSum] = l.candidates.map((length) => kernels.float32(length));
    this.cRows = cRows!;
    this.dC = dC!;
    this.cSq = cSq!;
    this.colSum = colSum!;
    this.rowSum = kernels.float32(l.rowSum);
    this.relationParams = kernels.float32(l.operators[0]!);
    const operatorRows = model.numOperatorRows;
    this.relationGrads = new SparseGrads(
      operatorRows,
      model.dim,
      operatorRows,
      kernels.float32(l.operators[1]!),
    );
    this.allGrads = kernels.float32(sum(l.tableGrads));
    this.allRows = kernels.float32(sum(l.tableGrads));
    this.tableBase = [];
    let base = 0;
    for (const length of l.tableGrads) {
      this.tableBase.push(base / model.dim);
      base += length;
    }
    const view = (all: Float32Array, t: number) =>
      all.subarray(
        this.tableBase[t]! * model.dim,
        this.tableBase[t]! * model.dim + l.tableGrads[t]!,
      );
    this.tableGrads = model.tables.map((table, t) => {
      const length = l.tableGrads[t]!;
      return new SparseGrads(table.rows, model.dim, length / model.dim, view(this.allGrads, t));
    });
    this.tableRows = model.tables.map((_, t) => view(this.allRows, t));
    this.tableRowViews = this.tableRows.map((rows) => rowViews(rows, model.dim));
    this.slotState = l.tableSlots.map((length) => kernels.float32(length));
    const [sourceA, sourceP, operatorRow, relationSlot, operatorInput, candidateRows] =
      l.rowIndices.map((n) => kernels.int32(n));
    this.candidateRows = candidateRows!;
    this.operatorInput = operatorInput!;
    this.sourceA = sourceA!;
    this.sourceP = sourceP!;
    this.operatorRow = operatorRow!;
    this.relationSlot = relationSlot!;
  }
}
