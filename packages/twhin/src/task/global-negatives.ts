import type { Rng } from "@tml/core";
import type { MatrixView } from "../kernels/gemm.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { normalizeRows, normalizeRowsBackward, rowSquaredNorms } from "../model/comparator.js";
import type { DenseProducts } from "../model/dense-products.js";
import { operatorBackward, operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import {
  type BlockOperands,
  blockBackward,
  blockForward,
  sharedBlockBackward,
  sharedBlockForward,
} from "./score-block.js";
import type { SparseGrads } from "./sparse-grads.js";

/**
 * `global_negatives`: K ids drawn uniformly from each entity type's table once per batch and
 * shared by every edge whose ranked side has that type. Raw candidates are scored as one dense
 * product per table (fast path); without reciprocal relations the head side compares
 * `op_r(candidate)` with e_rhs, so candidates are transformed per relation group.
 */
export class GlobalNegatives {
  private readonly model: TwhinModel;
  private readonly k: number;
  private readonly products: DenseProducts;
  private readonly kernels: StepKernels;
  private readonly ids: Int32Array[];
  private readonly raw: Float32Array[];
  private readonly used: Float32Array[];
  private readonly norms: Float32Array[];
  private readonly gradShared: Float32Array[];
  private readonly gradRaw: Float32Array[];
  private readonly active: boolean[];
  private readonly rows: Int32Array;
  private readonly a: Float32Array;
  private readonly aSq: Float32Array;
  private readonly dA: Float32Array;
  private readonly s: Float32Array;
  private readonly t: Float32Array;
  private readonly tNorm: Float32Array;
  private readonly dT: Float32Array;
  private readonly rowSum: Float32Array;
  private readonly colSum: Float32Array;

  constructor(
    model: TwhinModel,
    k: number,
    batchSize: number,
    products: DenseProducts,
    kernels: StepKernels,
  ) {
    this.model = model;
    this.k = k;
    this.products = products;
    this.kernels = kernels;
    const dim = model.dim;
    const perTable = (size: number) => model.tables.map(() => new Float32Array(k > 0 ? size : 0));
    this.ids = model.tables.map(() => new Int32Array(k));
    this.raw = perTable(k * dim);
    this.used = model.comparator === "cos" ? perTable(k * dim) : this.raw;
    this.norms = perTable(k);
    this.gradShared = perTable(k * dim);
    this.gradRaw = perTable(k * dim);
    this.active = model.tables.map(() => false);
    const b = k > 0 ? batchSize : 0;
    this.rows = new Int32Array(b);
    this.a = new Float32Array(b * dim);
    this.aSq = new Float32Array(b);
    this.dA = new Float32Array(b * dim);
    this.s = new Float32Array(b * k);
    this.t = new Float32Array(k * dim);
    this.tNorm = new Float32Array(k);
    this.dT = new Float32Array(k * dim);
    this.rowSum = new Float32Array(b);
    this.colSum = new Float32Array(k);
  }

  /** Draws K ids for each table used by the batch's relations and registers their slots. */
  sample(edgeRel: Int32Array, size: number, rng: Rng, tableGrads: SparseGrads[]): void {
    this.active.fill(false);
    if (this.k === 0) return;
    for (let i = 0; i < size; i++) {
      const relation = this.model.relations[edgeRel[i]!]!;
      this.active[relation.lhsTable] = true;
      this.active[relation.rhsTable] = true;
    }
    const dim = this.model.dim;
    this.model.tables.forEach((table, t) => {
      if (!this.active[t]) return;
      const ids = this.ids[t]!;
      const raw = this.raw[t]!;
      for (let j = 0; j < this.k; j++) {
        const id = rng.int(table.rows);
        ids[j] = id;
        tableGrads[t]!.slot(id);
        raw.set(table.data.subarray(id * dim, (id + 1) * dim), j * dim);
      }
      if (this.model.comparator === "cos") {
        this.used[t]!.set(raw);
        normalizeRows(this.used[t]!, this.k, dim, this.norms[t]!);
      } else if (this.model.comparator === "l2") {
        rowSquaredNorms(raw, this.k, dim, this.norms[t]!);
      }
      this.gradShared[t]!.fill(0);
      this.gradRaw[t]!.fill(0);
    });
  }

  private targetTable(direction: number, relation: number): number {
    const r = this.model.relations[relation]!;
    return direction === 0 ? r.rhsTable : r.lhsTable;
  }

  // Operands of relation group r's transformed candidates op_r(G), written into this.t.
  private transformed(
    direction: number,
    r: number,
    a: Float32Array,
    aSq: Float32Array,
    start: number,
    n: number,
  ): BlockOperands {
    const model = this.model;
    const dim = model.dim;
    const table = this.targetTable(direction, r);
    const kind = model.relations[r]!.operator;
    for (let j = 0; j < this.k; j++) {
      operatorForward(
        kind,
        model.relationParams,
        r * dim,
        this.raw[table]!,
        j * dim,
        this.t,
        j * dim,
        dim,
      );
    }
    if (model.comparator === "cos") normalizeRows(this.t, this.k, dim, this.tNorm);
    else if (model.comparator === "l2") rowSquaredNorms(this.t, this.k, dim, this.tNorm);
    return {
      kind: model.comparator,
      dim,
      a,
      aRow: start,
      n,
      aSq,
      c: this.t,
      cRow: 0,
      m: this.k,
      cSq: this.tNorm,
    };
  }

  // Gathers the rows of the direction whose ranked side is table t into this.a; returns their count.
  private gather(
    direction: number,
    t: number,
    a: Float32Array,
    aSq: Float32Array,
    size: number,
    edgeRel: Int32Array,
  ): number {
    const dim = this.model.dim;
    let n = 0;
    for (let i = 0; i < size; i++) {
      if (this.targetTable(direction, edgeRel[i]!) !== t) continue;
      this.rows[n] = i;
      this.a.set(a.subarray(i * dim, (i + 1) * dim), n * dim);
      this.aSq[n] = aSq[i]!;
      n++;
    }
    return n;
  }

  private shared(t: number, n: number): BlockOperands {
    const model = this.model;
    return {
      kind: model.comparator,
      dim: model.dim,
      a: this.a,
      aRow: 0,
      n,
      aSq: this.aSq,
      c: this.used[t]!,
      cRow: 0,
      m: this.k,
      cSq: this.norms[t]!,
    };
  }

  /** Writes the K global-negative scores of every row into `scores` at column `column`. */
  forward(
    direction: number,
    a: Float32Array,
    aSq: Float32Array,
    size: number,
    edgeRel: Int32Array,
    starts: Int32Array,
    scores: Float32Array,
    width: number,
    column: number,
  ): void {
    if (this.k === 0) return;
    if (this.model.transformsCandidates(direction === 0 ? "tail" : "head")) {
      for (let r = 0; r < this.model.relations.length; r++) {
        const n = starts[r + 1]! - starts[r]!;
        if (n === 0) continue;
        const view: MatrixView = {
          data: scores,
          offset: starts[r]! * width + column,
          stride: width,
        };
        blockForward(this.transformed(direction, r, a, aSq, starts[r]!, n), view, this.kernels);
      }
      return;
    }
    for (let t = 0; t < this.model.tables.length; t++) {
      if (!this.active[t]) continue;
      const n = this.gather(direction, t, a, aSq, size, edgeRel);
      if (n === 0) continue;
      sharedBlockForward(this.shared(t, n), this.products, {
        data: this.s,
        offset: 0,
        stride: this.k,
      });
      for (let i = 0; i < n; i++) {
        scores.set(this.s.subarray(i * this.k, (i + 1) * this.k), this.rows[i]! * width + column);
      }
    }
  }

  /** Accumulates dA of the rows and the candidates' gradients from `grad` (consumed). */
  backward(
    direction: number,
    a: Float32Array,
    aSq: Float32Array,
    size: number,
    edgeRel: Int32Array,
    starts: Int32Array,
    grad: Float32Array,
    width: number,
    column: number,
    dA: Float32Array,
    relationGrads: SparseGrads,
  ): void {
    if (this.k === 0) return;
    const model = this.model;
    const dim = model.dim;
    if (model.transformsCandidates(direction === 0 ? "tail" : "head")) {
      for (let r = 0; r < model.relations.length; r++) {
        const n = starts[r + 1]! - starts[r]!;
        if (n === 0) continue;
        const operands = this.transformed(direction, r, a, aSq, starts[r]!, n);
        const view: MatrixView = { data: grad, offset: starts[r]! * width + column, stride: width };
        this.dT.fill(0);
        blockBackward(
          operands,
          view,
          dA,
          starts[r]!,
          this.dT,
          0,
          this.rowSum,
          this.colSum,
          this.kernels,
        );
        if (model.comparator === "cos")
          normalizeRowsBackward(this.t, this.k, dim, this.tNorm, this.dT);
        const table = this.targetTable(direction, r);
        const relOff = relationGrads.slot(r) * dim;
        for (let j = 0; j < this.k; j++) {
          operatorBackward(
            model.relations[r]!.operator,
            model.relationParams,
            r * dim,
            this.raw[table]!,
            j * dim,
            this.dT,
            j * dim,
            this.gradRaw[table]!,
            j * dim,
            relationGrads.grads,
            relOff,
            dim,
          );
        }
      }
      return;
    }
    for (let t = 0; t < model.tables.length; t++) {
      if (!this.active[t]) continue;
      const n = this.gather(direction, t, a, aSq, size, edgeRel);
      if (n === 0) continue;
      for (let i = 0; i < n; i++) {
        const from = this.rows[i]! * width + column;
        this.s.set(grad.subarray(from, from + this.k), i * this.k);
      }
      this.dA.fill(0, 0, n * dim);
      const view: MatrixView = { data: this.s, offset: 0, stride: this.k };
      sharedBlockBackward(
        this.shared(t, n),
        this.products,
        view,
        this.dA,
        this.gradShared[t]!,
        this.rowSum,
        this.colSum,
      );
      for (let i = 0; i < n; i++) {
        const to = this.rows[i]! * dim;
        for (let d = 0; d < dim; d++) dA[to + d]! += this.dA[i * dim + d]!;
      }
    }
  }

  /** Adds the candidates' gradients to their tables' sparse gradients. */
  scatterGradients(tableGrads: SparseGrads[]): void {
    if (this.k === 0) return;
    const dim = this.model.dim;
    this.model.tables.forEach((_, t) => {
      if (!this.active[t]) return;
      const shared = this.gradShared[t]!;
      if (this.model.comparator === "cos")
        normalizeRowsBackward(this.used[t]!, this.k, dim, this.norms[t]!, shared);
      const grads = tableGrads[t]!;
      for (let j = 0; j < this.k; j++) {
        const off = grads.slot(this.ids[t]![j]!) * dim;
        for (let d = 0; d < dim; d++)
          grads.grads[off + d]! += shared[j * dim + d]! + this.gradRaw[t]![j * dim + d]!;
      }
    });
  }
}
