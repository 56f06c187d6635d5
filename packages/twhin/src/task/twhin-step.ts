import { ConfigError, type Rng } from "@tml/core";
import {
  compare,
  normalizeRows,
  normalizeRowsBackward,
  rowSquaredNorms,
} from "../model/comparator.js";
import { type DenseProducts, jsProducts } from "../model/dense-products.js";
import type { MatrixView } from "../model/gemm.js";
import { operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeBatch } from "./edge-batch.js";
import { GlobalNegatives } from "./global-negatives.js";
import { type BlockOperands, blockBackward, blockForward } from "./score-block.js";
import { bceRows, marginRows, softmaxRows } from "./score-losses.js";
import { SparseGrads, samplePermutation } from "./sparse-grads.js";
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
}

const TAIL = 0;
const HEAD = 1;

/**
 * Forward and hand-derived backward of one TwHIN batch over typed arrays. Two directions: TAIL
 * ranks the rhs (query A = op_r(e_lhs), positive P = e_rhs), HEAD ranks the lhs (reciprocal:
 * A = op_{R+r}(e_rhs), P = e_lhs; otherwise A = e_rhs, P = op_r(e_lhs)). Each (edge, direction)
 * row holds [positive, N in-batch negatives, K global negatives]. All scratch is preallocated.
 */
export class TwhinStep {
  readonly model: TwhinModel;
  readonly options: StepOptions;
  /** Gradients of the last `computeGradients`, per table. */
  readonly tableGrads: SparseGrads[];
  /** Gradients of the relation operator rows. */
  readonly relationGrads: SparseGrads;
  private readonly products: DenseProducts;
  private readonly globals: GlobalNegatives;
  private readonly width: number;
  private readonly order: Int32Array;
  private readonly groupStart: Int32Array;
  private readonly edgeRel: Int32Array;
  private readonly edgeLhs: Int32Array;
  private readonly edgeRhs: Int32Array;
  private readonly a: Float32Array[];
  private readonly p: Float32Array[];
  private readonly dA: Float32Array[];
  private readonly dP: Float32Array[];
  private readonly aNorm: Float32Array[];
  private readonly pNorm: Float32Array[];
  private readonly scores: Float32Array[];
  private readonly grad: Float32Array[];
  private readonly sampled: Int32Array[];
  private readonly perm: Int32Array;
  private readonly cRows: Float32Array;
  private readonly dC: Float32Array;
  private readonly cSq: Float32Array;
  private readonly rowSum: Float32Array;
  private readonly colSum: Float32Array;

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
    const dim = model.dim;
    this.products = options.products ?? jsProducts;
    this.width = 1 + n + k;
    this.tableGrads = model.tables.map((t) => new SparseGrads(t.rows, dim, 2 * b + k));
    this.relationGrads = new SparseGrads(model.numOperatorRows, dim, model.numOperatorRows);
    this.globals = new GlobalNegatives(model, k, b, this.products);
    this.order = new Int32Array(b);
    this.groupStart = new Int32Array(model.relations.length + 1);
    this.edgeRel = new Int32Array(b);
    this.edgeLhs = new Int32Array(b);
    this.edgeRhs = new Int32Array(b);
    const pair = (size: number) => [new Float32Array(size), new Float32Array(size)];
    this.a = pair(b * dim);
    this.p = pair(b * dim);
    this.dA = pair(b * dim);
    this.dP = pair(b * dim);
    this.aNorm = pair(b);
    this.pNorm = pair(b);
    this.scores = pair(b * this.width);
    this.grad = pair(b * this.width);
    this.sampled = [new Int32Array(b * n), new Int32Array(b * n)];
    this.perm = new Int32Array(Math.max(b, model.relations.length + 1));
    const m = Math.max(n, k, 1);
    this.cRows = new Float32Array(m * dim);
    this.dC = new Float32Array(m * dim);
    this.cSq = new Float32Array(m);
    this.rowSum = new Float32Array(b);
    this.colSum = new Float32Array(m);
  }

  /** Directions trained: both, except that the original's head side has no positive term. */
  private hasPositive(direction: number): boolean {
    return !(this.model.parityOriginal && direction === HEAD);
  }

  /** Computes the loss and leaves row-sparse gradients in `tableGrads` / `relationGrads`. */
  computeGradients(batch: EdgeBatch, rng: Rng): number {
    for (const g of this.tableGrads) g.reset();
    this.relationGrads.reset();
    this.groupEdges(batch);
    const size = batch.size;
    this.globals.sample(this.edgeRel, size, rng, this.tableGrads);
    let loss = 0;
    const o = this.options;
    const positives = (this.hasPositive(TAIL) ? size : 0) + (this.hasPositive(HEAD) ? size : 0);
    const negatives = 2 * size * (o.inBatchNegatives + o.globalNegatives);
    for (const direction of [TAIL, HEAD]) {
      this.buildDirection(direction, size);
      this.forwardDirection(direction, size, rng);
      const rows = {
        scores: this.scores[direction]!,
        grad: this.grad[direction]!,
        rows: size,
        width: this.width,
      };
      if (o.loss.type === "bce") {
        const negativeWeight = negatives > 0 ? positives / negatives : 0;
        const label = this.model.parityOriginal ? 1 : 0;
        const positiveWeight = this.hasPositive(direction) ? 1 : 0;
        loss += bceRows(rows, label, negativeWeight, positiveWeight, 1 / (positives + negatives));
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
      this.order[k] = i;
      this.edgeRel[k] = r;
      this.edgeLhs[k] = batch.lhs[i]!;
      this.edgeRhs[k] = batch.rhs[i]!;
      const relation = this.model.relations[r]!;
      this.tableGrads[relation.lhsTable]!.slot(batch.lhs[i]!);
      this.tableGrads[relation.rhsTable]!.slot(batch.rhs[i]!);
    }
  }

  // Row k's query A and positive P for a direction (see the class comment).
  private buildDirection(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const a = this.a[direction]!;
    const p = this.p[direction]!;
    const params = model.relationParams;
    const numRelations = model.relations.length;
    for (let k = 0; k < size; k++) {
      const r = this.edgeRel[k]!;
      const relation = model.relations[r]!;
      const lhs = model.tables[relation.lhsTable]!.data;
      const rhs = model.tables[relation.rhsTable]!.data;
      const lo = this.edgeLhs[k]! * dim;
      const ro = this.edgeRhs[k]! * dim;
      if (model.parityOriginal || (direction === HEAD && !model.reciprocal)) {
        const [x, xo, y, yo] = direction === TAIL ? [lhs, lo, rhs, ro] : [rhs, ro, lhs, lo];
        a.set(x.subarray(xo, xo + dim), k * dim);
        if (direction === HEAD && !model.parityOriginal) {
          operatorForward(relation.operator, params, r * dim, y, yo, p, k * dim, dim);
        } else {
          p.set(y.subarray(yo, yo + dim), k * dim);
        }
      } else if (direction === TAIL) {
        operatorForward(relation.operator, params, r * dim, lhs, lo, a, k * dim, dim);
        p.set(rhs.subarray(ro, ro + dim), k * dim);
      } else {
        operatorForward(
          relation.operator,
          params,
          (numRelations + r) * dim,
          rhs,
          ro,
          a,
          k * dim,
          dim,
        );
        p.set(lhs.subarray(lo, lo + dim), k * dim);
      }
    }
    if (model.comparator === "cos") {
      normalizeRows(a, size, dim, this.aNorm[direction]!);
      normalizeRows(p, size, dim, this.pNorm[direction]!);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(a, size, dim, this.aNorm[direction]!);
      rowSquaredNorms(p, size, dim, this.pNorm[direction]!);
    }
  }

  private blockOperands(
    direction: number,
    start: number,
    n: number,
    c: Float32Array,
    m: number,
  ): BlockOperands {
    const model = this.model;
    return {
      kind: model.comparator,
      dim: model.dim,
      a: this.a[direction]!,
      aRow: start,
      n,
      aSq: this.aNorm[direction]!,
      c,
      cRow: 0,
      m,
      cSq: this.cSq,
    };
  }

  // In-batch candidates of a group are the P rows of sampled edges of the same relation.
  private gatherInBatch(direction: number, start: number, offset: number): void {
    const dim = this.model.dim;
    const p = this.p[direction]!;
    const sampled = this.sampled[direction]!;
    for (let s = 0; s < this.options.inBatchNegatives; s++) {
      const row = start + sampled[offset + s]!;
      this.cRows.set(p.subarray(row * dim, (row + 1) * dim), s * dim);
      this.cSq[s] = this.pNorm[direction]![row]!;
    }
  }

  private forwardDirection(direction: number, size: number, rng: Rng): void {
    const model = this.model;
    const dim = model.dim;
    const width = this.width;
    const a = this.a[direction]!;
    const p = this.p[direction]!;
    const scores = this.scores[direction]!;
    // Cosine inputs are already unit rows, so their dot is the cosine.
    const kind = model.comparator === "l2" ? "l2" : "dot";
    for (let k = 0; k < size; k++) {
      let s = compare(kind, a, k * dim, p, k * dim, dim);
      if (model.parityOriginal && direction === TAIL) {
        s += compare("dot", a, k * dim, model.relationParams, this.edgeRel[k]! * dim, dim);
      }
      scores[k * width] = s;
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
      blockForward(this.blockOperands(direction, start, count, this.cRows, n), view);
    }
    this.globals.forward(
      direction,
      a,
      this.aNorm[direction]!,
      size,
      this.edgeRel,
      starts,
      scores,
      width,
      1 + n,
    );
  }

  private backwardDirection(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const width = this.width;
    const a = this.a[direction]!;
    const p = this.p[direction]!;
    const dA = this.dA[direction]!.fill(0, 0, size * dim);
    const dP = this.dP[direction]!.fill(0, 0, size * dim);
    const grad = this.grad[direction]!;
    const l2 = model.comparator === "l2";
    for (let k = 0; k < size; k++) {
      const g = grad[k * width]!;
      if (g === 0) continue;
      for (let d = 0; d < dim; d++) {
        const x = a[k * dim + d]!;
        const y = p[k * dim + d]!;
        dA[k * dim + d]! += l2 ? -2 * g * (x - y) : g * y;
        dP[k * dim + d]! += l2 ? 2 * g * (x - y) : g * x;
        if (model.parityOriginal && direction === TAIL) {
          dA[k * dim + d]! += g * model.relationParams[this.edgeRel[k]! * dim + d]!;
        }
      }
    }
    const n = this.options.inBatchNegatives;
    const starts = this.groupStart;
    for (let r = 0; r < model.relations.length && n > 0; r++) {
      const start = starts[r]!;
      const count = starts[r + 1]! - start;
      if (count === 0) continue;
      const offset = start * n;
      this.gatherInBatch(direction, start, offset);
      this.dC.fill(0, 0, n * dim);
      const view: MatrixView = { data: grad, offset: start * width + 1, stride: width };
      const operands = this.blockOperands(direction, start, count, this.cRows, n);
      blockBackward(operands, view, dA, start, this.dC, 0, this.rowSum, this.colSum);
      const sampled = this.sampled[direction]!;
      for (let s = 0; s < n; s++) {
        const row = start + sampled[offset + s]!;
        for (let d = 0; d < dim; d++) dP[row * dim + d]! += this.dC[s * dim + d]!;
      }
    }
    this.globals.backward(
      direction,
      a,
      this.aNorm[direction]!,
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
      normalizeRowsBackward(a, size, dim, this.aNorm[direction]!, dA);
      normalizeRowsBackward(p, size, dim, this.pNorm[direction]!, dP);
    }
    routeGradients(
      this.model,
      direction,
      size,
      this.edgeRel,
      this.edgeLhs,
      this.edgeRhs,
      this.dA[direction]!,
      this.dP[direction]!,
      this.tableGrads,
      this.relationGrads,
    );
  }
}
