import { ConfigError, type Rng } from "@tml/core";
import type { MatrixView } from "../kernels/gemm.js";
import { marginRows, softmaxRows } from "../kernels/score-losses.js";
import { createStepKernels } from "../kernels/simd-kernels.js";
import type { KernelKind, StepKernels } from "../kernels/step-kernels.js";
import { gatherTableRows } from "../kernels/table-rows.js";
import {
  compare,
  normalizeRows,
  normalizeRowsBackward,
  rowSquaredNorms,
} from "../model/comparator.js";
import { type DenseProducts, jsProducts } from "../model/dense-products.js";
import { operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeBatch } from "./edge-batch.js";
import { GlobalNegatives } from "./global-negatives.js";
import { type BlockOperands, blockBackward, blockForward } from "./score-block.js";
import { type SparseGrads, samplePermutation } from "./sparse-grads.js";
import { StepBuffers, stepArenaFloats } from "./step-buffers.js";
import { addRegularization, routeGradients } from "./step-routing.js";

/** Negative sampling and loss settings of a step. */
export interface StepOptions {
  /** Largest batch (edges) the step will see. */
  batchSize: number;
  inBatchNegatives: number;
  globalNegatives: number;
  loss: { type: "bce" | "softmax" | "margin"; margin: number };
  /** Weight of the L2 penalty on the rows of a batch. */
  regularization: number;
  products?: DenseProducts;
  /** Hot-loop implementation: WebAssembly SIMD, the JS reference, or SIMD when available (default). */
  kernels?: KernelKind | "auto";
}

const TAIL = 0;
const HEAD = 1;

/**
 * Forward and hand-derived backward of one TwHIN batch over typed arrays. Two directions: TAIL
 * ranks the rhs (query A = op_r(e_lhs), positive P = e_rhs), HEAD ranks the lhs (reciprocal:
 * A = op_{R+r}(e_rhs), P = e_lhs; otherwise A = e_rhs, P = op_r(e_lhs)). Each (edge, direction)
 * row holds [positive, N in-batch negatives, K global negatives]. All scratch is preallocated,
 * in the kernels' memory (`StepBuffers`).
 */
export class TwhinStep {
  readonly model: TwhinModel;
  readonly options: StepOptions;
  /** The implementation of the dense loops ("simd" or "js"). */
  readonly kernels: StepKernels;
  /** Gradients of the last `computeGradients`, per table. */
  readonly tableGrads: SparseGrads[];
  /** Gradients of the relation operator rows. */
  readonly relationGrads: SparseGrads;
  /** Per table: the table rows of the last batch's slots, in slot order (updated in place by a gathered optimizer). */
  readonly tableRows: Float32Array[];
  /** Per table: a preallocated view of each slot's row in `tableRows`. */
  readonly tableRowViews: Float32Array[][];
  /** Per table: one float of scratch per slot for a gathered optimizer's state. */
  readonly slotState: Float32Array[];
  private readonly buffers: StepBuffers;
  private readonly globals: GlobalNegatives;
  private readonly width: number;
  private readonly groupStart: Int32Array;
  private readonly edgeRel: Int32Array;
  private readonly edgeLhs: Int32Array;
  private readonly edgeRhs: Int32Array;
  private readonly sampled: Int32Array[];
  private readonly perm: Int32Array;

  constructor(model: TwhinModel, options: StepOptions) {
    this.model = model;
    this.options = options;
    if (model.parityOriginal && (options.loss.type !== "bce" || model.comparator !== "dot")) {
      throw new ConfigError(
        `parity: original reproduces the BCE loss with dot scores only; got loss.type ${options.loss.type}, comparator ${model.comparator}.`,
        { details: { path: "model.parity" } },
      );
    }
    const { batchSize: b, inBatchNegatives: n, globalNegatives: k } = options;
    this.kernels = createStepKernels(options.kernels ?? "auto", stepArenaFloats(model, options));
    this.buffers = new StepBuffers(model, options, this.kernels);
    this.width = this.buffers.width;
    this.tableGrads = this.buffers.tableGrads;
    this.relationGrads = this.buffers.relationGrads;
    this.tableRows = this.buffers.tableRows;
    this.slotState = this.buffers.slotState;
    this.tableRowViews = this.buffers.tableRowViews;
    const products = options.products ?? jsProducts;
    this.globals = new GlobalNegatives(model, k, b, products, this.kernels);
    this.groupStart = new Int32Array(model.relations.length + 1);
    this.edgeRel = new Int32Array(b);
    this.edgeLhs = new Int32Array(b);
    this.edgeRhs = new Int32Array(b);
    this.sampled = [new Int32Array(b * n), new Int32Array(b * n)];
    this.perm = new Int32Array(Math.max(b, model.relations.length + 1));
  }

  /** Directions trained: both, except that the original's head side has no positive term. */
  private hasPositive(direction: number): boolean {
    return !(this.model.parityOriginal && direction === HEAD);
  }

  /** Computes the loss and leaves row-sparse gradients in `tableGrads` / `relationGrads`. */
  computeGradients(batch: EdgeBatch, rng: Rng): number {
    for (const g of this.tableGrads) g.reset();
    this.relationGrads.reset();
    this.buffers.relationParams.set(this.model.relationParams);
    this.groupEdges(batch);
    const size = batch.size;
    this.globals.sample(this.edgeRel, size, rng, this.tableGrads);
    this.gatherTableRows();
    let loss = 0;
    const o = this.options;
    const positives = (this.hasPositive(TAIL) ? size : 0) + (this.hasPositive(HEAD) ? size : 0);
    const negatives = 2 * size * (o.inBatchNegatives + o.globalNegatives);
    for (let direction = TAIL; direction <= HEAD; direction++) {
      this.buildDirection(direction, size);
      this.forwardDirection(direction, size, rng);
      const rows = {
        scores: this.buffers.scores[direction]!,
        grad: this.buffers.grad[direction]!,
        rows: size,
        width: this.width,
      };
      if (o.loss.type === "bce") {
        const negativeWeight = negatives > 0 ? positives / negatives : 0;
        const label = this.model.parityOriginal ? 1 : 0;
        const positiveWeight = this.hasPositive(direction) ? 1 : 0;
        const scale = 1 / (positives + negatives);
        loss += this.kernels.bceRows(rows, label, negativeWeight, positiveWeight, scale);
      } else if (o.loss.type === "softmax") {
        loss += softmaxRows(rows, 1 / (2 * size));
      } else {
        loss += marginRows(rows, o.loss.margin, 1 / (2 * size));
      }
      this.backwardDirection(direction, size);
    }
    this.globals.scatterGradients(this.tableGrads);
    if (o.regularization > 0)
      loss += addRegularization(this.model, this.tableGrads, o.regularization);
    return loss;
  }

  private groupEdges(batch: EdgeBatch): void {
    const starts = this.groupStart;
    const numRelations = this.model.relations.length;
    starts.fill(0);
    for (let i = 0; i < batch.size; i++) starts[batch.rel[i]! + 1]!++;
    for (let r = 0; r < numRelations; r++) starts[r + 1]! += starts[r]!;
    const cursor = this.perm;
    cursor.set(starts.subarray(0, numRelations));
    for (let i = 0; i < batch.size; i++) {
      const r = batch.rel[i]!;
      const k = cursor[r]!++;
      this.edgeRel[k] = r;
      this.edgeLhs[k] = batch.lhs[i]!;
      this.edgeRhs[k] = batch.rhs[i]!;
      const relation = this.model.relations[r]!;
      this.tableGrads[relation.lhsTable]!.slot(batch.lhs[i]!);
      this.tableGrads[relation.rhsTable]!.slot(batch.rhs[i]!);
    }
  }

  // Copies every slot's table row into tableRows (one read of each row from the table).
  private gatherTableRows(): void {
    const dim = this.model.dim;
    this.model.tables.forEach((table, t) => {
      const grads = this.tableGrads[t]!;
      gatherTableRows(table.data, grads.rowIds, grads.count, dim, this.tableRows[t]!);
    });
  }

  // Row k's query A and positive P for a direction (see the class comment): the rows are
  // gathered from the batch's rows, then the operator is applied to the operated side in place.
  // Fills the buffers' row indices that routeGradients sends the gradients back through.
  private buildDirection(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const b = this.buffers;
    const a = b.a[direction]!;
    const p = b.p[direction]!;
    const numRelations = model.relations.length;
    const reciprocalHead = direction === HEAD && model.reciprocal;
    const operated = direction === TAIL || reciprocalHead ? b.sourceA : b.sourceP;
    let nonlinear = false;
    for (let k = 0; k < size; k++) {
      const r = this.edgeRel[k]!;
      const relation = model.relations[r]!;
      const lhs =
        b.tableBase[relation.lhsTable]! + this.slotOf(relation.lhsTable, this.edgeLhs[k]!);
      const rhs =
        b.tableBase[relation.rhsTable]! + this.slotOf(relation.rhsTable, this.edgeRhs[k]!);
      b.sourceA[k] = direction === TAIL ? lhs : rhs;
      b.sourceP[k] = direction === TAIL ? rhs : lhs;
      b.operatorRow[k] = -1;
      b.relationSlot[k] = -1;
      b.operatorInput[k] = -1;
      if (model.parityOriginal) continue;
      const opRow = reciprocalHead ? numRelations + r : r;
      const slot = this.relationGrads.slot(opRow);
      if (relation.operator === "translation") {
        b.operatorRow[k] = opRow;
        b.relationSlot[k] = slot;
      } else if (relation.operator !== "none") {
        nonlinear = true;
      }
    }
    this.kernels.gatherRows(b.allRows, b.sourceA, size, dim, a);
    this.kernels.gatherRows(b.allRows, b.sourceP, size, dim, p);
    const target = operated === b.sourceA ? a : p;
    this.kernels.gatherAddRows(b.relationParams, b.operatorRow, size, dim, target);
    for (let k = 0; k < size && nonlinear; k++) {
      const r = this.edgeRel[k]!;
      const kind = model.relations[r]!.operator;
      if (kind === "translation" || kind === "none") continue;
      const opRow = reciprocalHead ? numRelations + r : r;
      operatorForward(kind, b.relationParams, opRow * dim, target, k * dim, target, k * dim, dim);
      // Routed through operatorBackward instead of added straight back.
      b.operatorInput[k] = operated[k]!;
      operated[k] = -1;
    }
    if (model.comparator === "cos") {
      normalizeRows(a, size, dim, this.buffers.aNorm[direction]!);
      normalizeRows(p, size, dim, this.buffers.pNorm[direction]!);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(a, size, dim, this.buffers.aNorm[direction]!);
      rowSquaredNorms(p, size, dim, this.buffers.pNorm[direction]!);
    }
  }

  private slotOf(table: number, row: number): number {
    return this.tableGrads[table]!.slotOf[row]!;
  }

  private blockOperands(direction: number, start: number, n: number, m: number): BlockOperands {
    const model = this.model;
    return {
      kind: model.comparator,
      dim: model.dim,
      a: this.buffers.a[direction]!,
      aRow: start,
      n,
      aSq: this.buffers.aNorm[direction]!,
      c: this.buffers.cRows,
      cRow: 0,
      m,
      cSq: this.buffers.cSq,
    };
  }

  // In-batch candidates of a group are the P rows of sampled edges of the same relation.
  private gatherInBatch(direction: number, start: number, offset: number): void {
    const dim = this.model.dim;
    const p = this.buffers.p[direction]!;
    const sampled = this.sampled[direction]!;
    const b = this.buffers;
    const n = this.options.inBatchNegatives;
    for (let s = 0; s < n; s++) {
      const row = start + sampled[offset + s]!;
      b.candidateRows[s] = row;
      b.cSq[s] = b.pNorm[direction]![row]!;
    }
    this.kernels.gatherRows(p, b.candidateRows, n, dim, b.cRows);
  }

  private forwardDirection(direction: number, size: number, rng: Rng): void {
    const model = this.model;
    const dim = model.dim;
    const width = this.width;
    const a = this.buffers.a[direction]!;
    const p = this.buffers.p[direction]!;
    const scores = this.buffers.scores[direction]!;
    // Cosine inputs are already unit rows, so their dot is the cosine.
    if (model.comparator === "l2") {
      for (let k = 0; k < size; k++) scores[k * width] = compare("l2", a, k * dim, p, k * dim, dim);
    } else {
      this.kernels.rowDots(a, p, size, dim, scores, 0, width);
    }
    if (model.parityOriginal && direction === TAIL) {
      const params = model.relationParams;
      for (let k = 0; k < size; k++)
        scores[k * width]! += compare("dot", a, k * dim, params, this.edgeRel[k]! * dim, dim);
    }
    const n = this.options.inBatchNegatives;
    const starts = this.groupStart;
    for (let r = 0; r < model.relations.length; r++) {
      const start = starts[r]!;
      const count = starts[r + 1]! - start;
      if (count === 0 || n === 0) continue;
      const offset = start * n;
      samplePermutation(count, n, this.perm, this.sampled[direction]!, offset, (m) => rng.int(m));
      this.gatherInBatch(direction, start, offset);
      const view: MatrixView = { data: scores, offset: start * width + 1, stride: width };
      blockForward(this.blockOperands(direction, start, count, n), view, this.kernels);
    }
    const aNorm = this.buffers.aNorm[direction]!;
    this.globals.forward(direction, a, aNorm, size, this.edgeRel, starts, scores, width, 1 + n);
  }

  private positiveBackward(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const width = this.width;
    const a = this.buffers.a[direction]!;
    const p = this.buffers.p[direction]!;
    const dA = this.buffers.dA[direction]!;
    const dP = this.buffers.dP[direction]!;
    const grad = this.buffers.grad[direction]!;
    const parityTail = model.parityOriginal && direction === TAIL;
    if (model.comparator !== "l2" && !parityTail) {
      this.kernels.pairBackward(grad, 0, width, a, p, size, dim, dA, dP);
      return;
    }
    dA.fill(0, 0, size * dim);
    dP.fill(0, 0, size * dim);
    const l2 = model.comparator === "l2";
    for (let k = 0; k < size; k++) {
      const g = grad[k * width]!;
      if (g === 0) continue;
      for (let d = 0; d < dim; d++) {
        const x = a[k * dim + d]!;
        const y = p[k * dim + d]!;
        dA[k * dim + d]! += l2 ? -2 * g * (x - y) : g * y;
        dP[k * dim + d]! += l2 ? 2 * g * (x - y) : g * x;
        if (parityTail) dA[k * dim + d]! += g * model.relationParams[this.edgeRel[k]! * dim + d]!;
      }
    }
  }

  private backwardDirection(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const width = this.width;
    const b = this.buffers;
    const a = b.a[direction]!;
    const p = b.p[direction]!;
    const dA = b.dA[direction]!;
    const dP = b.dP[direction]!;
    const grad = b.grad[direction]!;
    this.positiveBackward(direction, size);
    const n = this.options.inBatchNegatives;
    const starts = this.groupStart;
    for (let r = 0; r < model.relations.length && n > 0; r++) {
      const start = starts[r]!;
      const count = starts[r + 1]! - start;
      if (count === 0) continue;
      const offset = start * n;
      this.gatherInBatch(direction, start, offset);
      b.dC.fill(0, 0, n * dim);
      const view: MatrixView = { data: grad, offset: start * width + 1, stride: width };
      const operands = this.blockOperands(direction, start, count, n);
      blockBackward(operands, view, dA, start, b.dC, 0, b.rowSum, b.colSum, this.kernels);
      this.kernels.scatterAddRows(b.dC, n, dim, dP, b.candidateRows);
    }
    const aNorm = b.aNorm[direction]!;
    this.globals.backward(
      direction,
      a,
      aNorm,
      size,
      this.edgeRel,
      starts,
      grad,
      width,
      1 + n,
      dA,
      this.relationGrads,
    );
    if (model.comparator === "cos") {
      normalizeRowsBackward(a, size, dim, aNorm, dA);
      normalizeRowsBackward(p, size, dim, b.pNorm[direction]!, dP);
    }
    routeGradients(this.model, this.kernels, b, direction, size, this.edgeRel, dA, dP);
  }
}
