import type { OperatorKind } from "../config/twhin-config.js";
import type { DenseProducts } from "../kernels/dense-products.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeGroups } from "./edge-groups.js";
import { relationPredictionLayout } from "./relation-prediction-layout.js";
import type { StepBuffers } from "./step-buffers.js";
import type { StepSettings } from "./step-settings.js";

/**
 * Relation prediction as an auxiliary objective (Chen, Minervini, Riedel, Stenetorp 2021,
 * "Relation Prediction as an Auxiliary Training Objective for Improving Multi-Relational Graph
 * Representations"): besides ranking entities, each edge direction ranks its own operator row
 * among every operator row that joins the same tables, with the same score. The weighted
 * cross-entropy is added to the loss: weight * mean over edge directions.
 *
 * A direction's pair (a, b) is (e_lhs, e_rhs) for operator row r and, under reciprocal relations,
 * (e_rhs, e_lhs) for row R + r; without them only the first is ranked. Under `diagonal` (DistMult)
 * the score of operator row w is <a * w, b> = <w, a * b>; under `complex_diagonal` (ComplEx) it is
 * Re(<a w, conj b>) = <w, F> with F = [ar br + ai bi, ar bi - ai br]; under `translation` it is
 * <a + w, b> = <a, b> + <w, b>, whose first term is the same for every row and leaves the softmax
 * unchanged, so F = b. The logits of a batch are one dense product F W^T (B x D by D x O), and the
 * backward pass two more.
 */
export class RelationPrediction {
  private readonly model: TwhinModel;
  private readonly weight: number;
  private readonly kernels: StepKernels;
  private readonly products: DenseProducts;
  private readonly features: Float32Array;
  private readonly featureGrads: Float32Array;
  private readonly lhsGrads: Float32Array;
  private readonly rhsGrads: Float32Array;
  private readonly logits: Float32Array;
  private readonly logitGrads: Float32Array;
  private readonly weightGrads: Float32Array;
  private readonly lhsSource: Int32Array;
  private readonly rhsSource: Int32Array;
  // Per edge of the current direction: its operator row.
  private readonly targets: Int32Array;
  // Per operator row: the (lhs table, rhs table) of the pairs it scores, as one key.
  private readonly rowTables: Int32Array;
  // True when every operator row joins the same tables (no logits to mask).
  private readonly oneTablePair: boolean;

  /** The term of `settings`, or null when its weight is 0. */
  static ifWeighted(
    model: TwhinModel,
    settings: StepSettings,
    kernels: StepKernels,
    products: DenseProducts,
  ): RelationPrediction | null {
    if (settings.relationPrediction === 0) return null;
    return new RelationPrediction(model, settings, kernels, products);
  }

  constructor(
    model: TwhinModel,
    settings: StepSettings,
    kernels: StepKernels,
    products: DenseProducts,
  ) {
    this.model = model;
    this.weight = settings.relationPrediction;
    this.kernels = kernels;
    this.products = products;
    // In the order of relationPredictionLayout, which sized the kernels' arena for them.
    const lengths = relationPredictionLayout(model, settings);
    const next = (): Float32Array => kernels.float32(lengths.shift()!);
    this.features = next();
    this.featureGrads = next();
    this.lhsGrads = next();
    this.rhsGrads = next();
    this.logits = next();
    this.logitGrads = next();
    this.weightGrads = next();
    this.lhsSource = kernels.int32(lengths.shift()!);
    this.rhsSource = kernels.int32(lengths.shift()!);
    this.targets = new Int32Array(settings.batchSize);
    const numRelations = model.relations.length;
    const tables = model.tables.length;
    this.rowTables = new Int32Array(model.numOperatorRows);
    for (let row = 0; row < model.numOperatorRows; row++) {
      const relation = model.relations[row % numRelations]!;
      const forward = row < numRelations;
      const lhs = forward ? relation.lhsTable : relation.rhsTable;
      const rhs = forward ? relation.rhsTable : relation.lhsTable;
      this.rowTables[row] = lhs * tables + rhs;
    }
    this.oneTablePair = this.rowTables.every((key) => key === this.rowTables[0]);
  }

  /**
   * Adds the term's gradient to the batch's table rows (`buffers.allGrads`) and operator rows
   * (`relationGrads`); returns weight * the mean cross-entropy. `buffers.relationParams` holds the
   * operator rows and `buffers.allRows` the batch's table rows, as the step gathered them.
   */
  async apply(groups: EdgeGroups, size: number, buffers: StepBuffers): Promise<number> {
    const directions = this.model.reciprocal ? 2 : 1;
    const scale = this.weight / (directions * size);
    let loss = 0;
    for (let direction = 0; direction < directions; direction++) {
      loss += await this.applyDirection(direction, groups, size, buffers, scale);
    }
    return loss;
  }

  private async applyDirection(
    direction: number,
    groups: EdgeGroups,
    size: number,
    buffers: StepBuffers,
    scale: number,
  ): Promise<number> {
    const model = this.model;
    const dim = model.dim;
    const rows = model.numOperatorRows;
    const numRelations = model.relations.length;
    const { features, logits, logitGrads, lhsSource, rhsSource } = this;
    // The pair of each edge: (lhs, rhs) for row r, (rhs, lhs) for the reciprocal row R + r.
    for (let edge = 0; edge < size; edge++) {
      const relation = model.relations[groups.relation[edge]!]!;
      const lhs = buffers.rowOf(relation.lhsTable, groups.lhs[edge]!);
      const rhs = buffers.rowOf(relation.rhsTable, groups.rhs[edge]!);
      lhsSource[edge] = direction === 0 ? lhs : rhs;
      rhsSource[edge] = direction === 0 ? rhs : lhs;
    }
    const form = model.relations[0]!.operator;
    this.pairFeatures(buffers.allRows, size, dim, form);
    await this.products.scores(features, size, buffers.relationParams, rows, dim, {
      data: logits,
      offset: 0,
      stride: rows,
    });
    // Each row's target moves to column 0 (softmaxRows ranks column 0); masked columns are -Inf.
    const targets = this.targets;
    for (let edge = 0; edge < size; edge++) {
      const target = (direction === 0 ? 0 : numRelations) + groups.relation[edge]!;
      targets[edge] = target;
      const base = edge * rows;
      if (!this.oneTablePair) {
        const key = this.rowTables[target]!;
        for (let column = 0; column < rows; column++) {
          if (this.rowTables[column] !== key) logits[base + column] = Number.NEGATIVE_INFINITY;
        }
      }
      swap(logits, base, base + target);
    }
    const loss = this.kernels.softmaxRows(
      { scores: logits, grad: logitGrads, rows: size, width: rows },
      scale,
    );
    for (let edge = 0; edge < size; edge++) {
      swap(logitGrads, edge * rows, edge * rows + targets[edge]!);
    }
    // dF = dS W; dW = dS^T F.
    const view = { data: logitGrads, offset: 0, stride: rows };
    this.featureGrads.fill(0, 0, size * dim);
    await this.products.gradQueries(
      view,
      size,
      rows,
      buffers.relationParams,
      dim,
      this.featureGrads,
    );
    this.weightGrads.fill(0, 0, rows * dim);
    await this.products.gradCandidates(view, size, rows, features, dim, this.weightGrads);
    this.pairBackward(buffers.allRows, size, dim, form);
    this.kernels.scatterAddRows(this.lhsGrads, size, dim, buffers.allGrads, lhsSource);
    this.kernels.scatterAddRows(this.rhsGrads, size, dim, buffers.allGrads, rhsSource);
    const relationGrads = buffers.relationGrads;
    const weightGrads = this.weightGrads;
    for (let row = 0; row < rows; row++) {
      // Rows masked out of every edge (other tables) have no gradient and get no slot.
      const start = row * dim;
      let touched = this.oneTablePair;
      for (let d = 0; d < dim && !touched; d++) touched = weightGrads[start + d] !== 0;
      if (!touched) continue;
      const slot = relationGrads.slot(row) * dim;
      for (let d = 0; d < dim; d++) relationGrads.grads[slot + d]! += weightGrads[start + d]!;
    }
    return loss;
  }

  // F (B x D) of the pairs: a * b (diagonal), [ar br + ai bi, ar bi - ai br] (complex) or b
  // (translation).
  private pairFeatures(rowsOf: Float32Array, size: number, dim: number, form: OperatorKind): void {
    const { features, lhsSource, rhsSource } = this;
    const half = dim >> 1;
    for (let edge = 0; edge < size; edge++) {
      const a = lhsSource[edge]! * dim;
      const b = rhsSource[edge]! * dim;
      const out = edge * dim;
      if (form === "translation") {
        features.set(rowsOf.subarray(b, b + dim), out);
        continue;
      }
      if (form === "diagonal") {
        for (let d = 0; d < dim; d++) features[out + d] = rowsOf[a + d]! * rowsOf[b + d]!;
        continue;
      }
      for (let d = 0; d < half; d++) {
        const ar = rowsOf[a + d]!;
        const ai = rowsOf[a + half + d]!;
        const br = rowsOf[b + d]!;
        const bi = rowsOf[b + half + d]!;
        features[out + d] = ar * br + ai * bi;
        features[out + half + d] = ar * bi - ai * br;
      }
    }
  }

  // dLhs, dRhs (B x D) from dF, through F's definition.
  private pairBackward(rowsOf: Float32Array, size: number, dim: number, form: OperatorKind): void {
    const { featureGrads: g, lhsGrads, rhsGrads, lhsSource, rhsSource } = this;
    const half = dim >> 1;
    if (form === "translation") {
      lhsGrads.fill(0, 0, size * dim);
      rhsGrads.set(g.subarray(0, size * dim));
      return;
    }
    for (let edge = 0; edge < size; edge++) {
      const a = lhsSource[edge]! * dim;
      const b = rhsSource[edge]! * dim;
      const out = edge * dim;
      if (form === "diagonal") {
        for (let d = 0; d < dim; d++) {
          lhsGrads[out + d] = g[out + d]! * rowsOf[b + d]!;
          rhsGrads[out + d] = g[out + d]! * rowsOf[a + d]!;
        }
        continue;
      }
      for (let d = 0; d < half; d++) {
        const ar = rowsOf[a + d]!;
        const ai = rowsOf[a + half + d]!;
        const br = rowsOf[b + d]!;
        const bi = rowsOf[b + half + d]!;
        const gr = g[out + d]!;
        const gi = g[out + half + d]!;
        lhsGrads[out + d] = gr * br + gi * bi;
        lhsGrads[out + half + d] = gr * bi - gi * br;
        rhsGrads[out + d] = gr * ar - gi * ai;
        rhsGrads[out + half + d] = gr * ai + gi * ar;
      }
    }
  }
}

function swap(values: Float32Array, i: number, j: number): void {
  const value = values[i]!;
  values[i] = values[j]!;
  values[j] = value;
}
