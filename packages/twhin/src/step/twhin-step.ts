import type { Rng } from "@tml/core";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";
import {
  createDenseProducts,
  type DenseProductOptions,
  type DenseProducts,
} from "../kernels/dense-products.js";
import { createStepKernels } from "../kernels/simd-kernels.js";
import type { ScoreRows, StepKernels } from "../kernels/step-kernels.js";
import {
  compare,
  normalizeRows,
  normalizeRowsBackward,
  rowSquaredNorms,
} from "../model/comparator.js";
import { operatorForward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { EdgeGroups } from "./edge-groups.js";
import { GlobalNegatives } from "./global-negatives.js";
import { InBatchNegatives } from "./in-batch-negatives.js";
import { marginRows } from "./losses.js";
import { maskOneVsAll } from "./one-vs-all.js";
import { addRegularization } from "./regularizers.js";
import { RelationPrediction } from "./relation-prediction.js";
import { routeGradients } from "./route-gradients.js";
import type { SparseGrads } from "./sparse-grads.js";
import { StepBuffers, stepArenaFloats } from "./step-buffers.js";
import { type StepSettings, stepSettings } from "./step-settings.js";

const TAIL = 0;
const HEAD = 1;

/**
 * The TwHIN model's forward pass, loss and hand-derived backward pass for one batch, over typed
 * arrays: what the original's `projects/twhin/models/models.py` does with autograd. Read
 * `computeGradients` top to bottom; the WebAssembly SIMD kernels (`StepKernels`) run its dense
 * loops, and all scratch is preallocated in their memory (`StepBuffers`).
 *
 * Shapes: B edges, D dim, N in-batch negatives, K global negatives, W = 1 + N + K score columns.
 * Each edge is ranked in two directions. TAIL ranks the rhs: query A = op_r(e_lhs), positive
 * P = e_rhs. HEAD ranks the lhs: with reciprocal relations A = op_{R+r}(e_rhs), P = e_lhs;
 * otherwise A = e_rhs, P = op_r(e_lhs). What `parity: original` changes is in `model.parity`.
 */
export class TwhinStep {
  readonly model: TwhinModel;
  readonly settings: StepSettings;
  readonly kernels: StepKernels;
  /** Gradients of the last `computeGradients`, per table (row-sparse: slots x D). */
  readonly tableGrads: SparseGrads[];
  /** Gradients of the operator rows touched by the batch. */
  readonly relationGrads: SparseGrads;
  /** The step's scratch: per-direction A, P, S and their gradients, gathered rows (see StepBuffers). */
  readonly buffers: StepBuffers;
  private readonly globals: GlobalNegatives;
  private readonly groups: EdgeGroups;
  private readonly inBatch: InBatchNegatives;
  private readonly relationPrediction: RelationPrediction | null;

  /**
   * The step of a config, on the WebAssembly SIMD kernels; large products on the platform BLAS or
   * through tfjs when the engine has compiled ones (`createDenseProducts`), unless `products`
   * says otherwise (Hogwild ranks: `{ compiled: false, blas }` with a one-thread BLAS).
   */
  static create(
    model: TwhinModel,
    config: TwhinConfig,
    products: DenseProductOptions = {},
  ): TwhinStep {
    const settings = stepSettings(config);
    const kernels = createStepKernels(stepArenaFloats(model, settings));
    return new TwhinStep(model, settings, kernels, createDenseProducts(kernels, products));
  }

  /** `kernels` own the scratch (an arena of `stepArenaFloats(model, settings)`). */
  constructor(
    model: TwhinModel,
    settings: StepSettings,
    kernels: StepKernels,
    products: DenseProducts = createDenseProducts(kernels),
  ) {
    this.model = model;
    this.settings = settings;
    this.kernels = kernels;
    const { batchSize, inBatchNegatives } = settings;
    this.buffers = new StepBuffers(model, settings, kernels);
    this.tableGrads = this.buffers.tableGrads;
    this.relationGrads = this.buffers.relationGrads;
    this.globals = new GlobalNegatives(model, settings, products, kernels);
    this.relationPrediction = RelationPrediction.ifWeighted(model, settings, kernels, products);
    this.groups = new EdgeGroups(model, batchSize);
    this.inBatch = new InBatchNegatives(
      model,
      inBatchNegatives,
      batchSize,
      this.buffers,
      this.groups,
      kernels,
    );
  }

  /**
   * Computes the batch's loss and leaves row-sparse gradients in `tableGrads` / `relationGrads`.
   * Asynchronous because large products may run on a GPU backend, read back with `await`.
   */
  async computeGradients(batch: EdgeBatch, rng: Rng): Promise<number> {
    const size = batch.size;
    // The batch's rows: K global negatives per table (first: under 1vsAll their slots are the
    // ids), edges grouped by relation, and every distinct table row gathered once into the
    // kernels' memory (slots x D per table).
    for (const grads of this.tableGrads) grads.reset();
    this.relationGrads.reset();
    this.buffers.relationParams.set(this.model.relationParams);
    this.globals.sample(batch.rel, size, rng, this.tableGrads);
    this.groups.group(batch, this.tableGrads);
    this.gatherTableRows();
    let loss = 0;
    for (let direction = TAIL; direction <= HEAD; direction++) {
      // Forward: A, P (B x D), then S (B x W) = [positive | N in-batch | K global].
      this.embed(direction, size);
      await this.score(direction, size, rng);
      // Loss over the rows of S and dL/dS (B x W).
      loss += this.loss(direction, size);
      // Backward: dA, dP (B x D) from dL/dS, then into table rows and operator rows.
      await this.backward(direction, size);
    }
    loss += (await this.relationPrediction?.apply(this.groups, size, this.buffers)) ?? 0;
    this.globals.scatterGradients(this.tableGrads);
    const { model, settings, groups, tableGrads, relationGrads } = this;
    const tableRows = this.buffers.tableRows;
    return (
      loss + addRegularization(model, settings, groups, size, tableRows, tableGrads, relationGrads)
    );
  }

  // Copies every slot's table row into tableRows (one read of each row from the table).
  private gatherTableRows(): void {
    this.model.tables.forEach((table, t) => {
      const grads = this.tableGrads[t]!;
      table.readRows(grads.rowIds, grads.count, this.buffers.tableRows[t]!);
    });
  }

  // The operator acts on A in TAIL and in a reciprocal HEAD, on P in a plain HEAD.
  private operatesOnQuery(direction: number): boolean {
    return direction === TAIL || this.model.reciprocal;
  }

  // First operator row of a direction: R + r for a reciprocal HEAD, r otherwise.
  private operatorRowOffset(direction: number): number {
    const reciprocalHead = direction === HEAD && this.model.reciprocal;
    return reciprocalHead ? this.model.relations.length : 0;
  }

  // A, P (B x D): gathered from the batch's rows, then the operated side gets op_r in place
  // (translations by one gather-add; diagonal / complex per row). Fills the row indices that
  // routeGradients sends the gradients back along. Cosine: A, P normalised (norms kept, B);
  // L2: their squared norms (B).
  private embed(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const buffers = this.buffers;
    const queries = buffers.queries[direction]!;
    const positives = buffers.positives[direction]!;
    const onQuery = this.operatesOnQuery(direction);
    const operated = onQuery ? buffers.querySource : buffers.positiveSource;
    const rowOffset = this.operatorRowOffset(direction);
    const groups = this.groups;
    let nonlinear = false;
    for (let row = 0; row < size; row++) {
      const relation = model.relations[groups.relation[row]!]!;
      const lhs = buffers.rowOf(relation.lhsTable, groups.lhs[row]!);
      const rhs = buffers.rowOf(relation.rhsTable, groups.rhs[row]!);
      buffers.querySource[row] = direction === TAIL ? lhs : rhs;
      buffers.positiveSource[row] = direction === TAIL ? rhs : lhs;
      buffers.operatorRow[row] = -1;
      buffers.relationSlot[row] = -1;
      buffers.operatorInput[row] = -1;
      if (!model.parity.applyOperators) continue;
      const operatorRow = rowOffset + groups.relation[row]!;
      const slot = this.relationGrads.slot(operatorRow);
      if (relation.operator === "translation") {
        buffers.operatorRow[row] = operatorRow;
        buffers.relationSlot[row] = slot;
      } else if (relation.operator !== "none") {
        nonlinear = true;
      }
    }
    this.kernels.gatherRows(buffers.allRows, buffers.querySource, size, dim, queries);
    this.kernels.gatherRows(buffers.allRows, buffers.positiveSource, size, dim, positives);
    const target = onQuery ? queries : positives;
    this.kernels.gatherAddRows(buffers.relationParams, buffers.operatorRow, size, dim, target);
    for (let row = 0; row < size && nonlinear; row++) {
      const relation = groups.relation[row]!;
      const kind = model.relations[relation]!.operator;
      if (kind === "translation" || kind === "none") continue;
      const params = buffers.relationParams;
      operatorForward(
        kind,
        params,
        (rowOffset + relation) * dim,
        target,
        row * dim,
        target,
        row * dim,
        dim,
      );
      // Routed through operatorBackward instead of added straight back.
      buffers.operatorInput[row] = operated[row]!;
      operated[row] = -1;
    }
    if (model.comparator === "cos") {
      normalizeRows(queries, size, dim, buffers.queryNorms[direction]!);
      normalizeRows(positives, size, dim, buffers.positiveNorms[direction]!);
    } else if (model.comparator === "l2") {
      rowSquaredNorms(queries, size, dim, buffers.queryNorms[direction]!);
      rowSquaredNorms(positives, size, dim, buffers.positiveNorms[direction]!);
    }
  }

  // S (B x W). Column 0: comparator(A_i, P_i) (cosine rows are unit, so their dot; the original's
  // parity adds <A_i, w_r>: its score is <e_lhs, e_rhs + w_r>). Columns 1..N: A_i against N
  // positives of other edges of its relation (a random permutation of the group, cycled when
  // the group is smaller than N; the original's in-batch negatives). Columns N+1..: the K
  // global negatives.
  private async score(direction: number, size: number, rng: Rng): Promise<void> {
    const model = this.model;
    const dim = model.dim;
    const buffers = this.buffers;
    const width = buffers.width;
    const queries = buffers.queries[direction]!;
    const positives = buffers.positives[direction]!;
    const scores = buffers.scores[direction]!;
    if (model.comparator === "l2") {
      for (let row = 0; row < size; row++) {
        scores[row * width] = compare("l2", queries, row * dim, positives, row * dim, dim);
      }
    } else {
      this.kernels.rowDots(queries, positives, size, dim, scores, 0, width);
    }
    if (model.parity.translateRhs && direction === TAIL) {
      const params = model.relationParams;
      const relations = this.groups.relation;
      for (let row = 0; row < size; row++) {
        scores[row * width]! += compare(
          "dot",
          queries,
          row * dim,
          params,
          relations[row]! * dim,
          dim,
        );
      }
    }
    this.inBatch.forward(direction, rng);
    const inBatch = this.settings.inBatchNegatives;
    const starts = this.groups.start;
    const queryNorms = buffers.queryNorms[direction]!;
    const column = 1 + inBatch;
    await this.globals.forward(
      direction,
      queries,
      queryNorms,
      size,
      this.groups.relation,
      starts,
      scores,
      width,
      column,
    );
    if (this.settings.allNegatives) {
      maskOneVsAll(model, direction, this.groups, size, scores, width, column, this.settings);
    }
  }

  // The loss of a direction's score rows; writes dL/dS. BCE is the original's weighting: each
  // negative weighs positives / negatives, the sum is divided by the number of logits.
  private loss(direction: number, size: number): number {
    const settings = this.settings;
    const parity = this.model.parity;
    const rows: ScoreRows = {
      scores: this.buffers.scores[direction]!,
      grad: this.buffers.scoreGrads[direction]!,
      rows: size,
      width: this.buffers.width,
    };
    if (settings.loss.type === "softmax") return this.kernels.softmaxRows(rows, 1 / (2 * size));
    if (settings.loss.type === "margin")
      return marginRows(rows, settings.loss.margin, 1 / (2 * size));
    const positives = parity.headPositive ? 2 * size : size;
    const negatives = 2 * size * (settings.inBatchNegatives + settings.globalNegatives);
    const negativeWeight = negatives > 0 ? positives / negatives : 0;
    const positiveWeight = direction === TAIL || parity.headPositive ? 1 : 0;
    const scale = 1 / (positives + negatives);
    return this.kernels.bceRows(rows, parity.negativeLabel, negativeWeight, positiveWeight, scale);
  }

  // dA, dP (B x D) from dL/dS: the positive column, each relation group's in-batch block (its
  // candidates' gradients go back to the P rows they came from), the global negatives; then
  // through the cosine normalisation and into table rows and operator rows.
  private async backward(direction: number, size: number): Promise<void> {
    const model = this.model;
    const dim = model.dim;
    const buffers = this.buffers;
    const width = buffers.width;
    const queries = buffers.queries[direction]!;
    const positives = buffers.positives[direction]!;
    const queryGrads = buffers.queryGrads[direction]!;
    const positiveGrads = buffers.positiveGrads[direction]!;
    const scoreGrads = buffers.scoreGrads[direction]!;
    this.positiveBackward(direction, size);
    this.inBatch.backward(direction);
    const inBatch = this.settings.inBatchNegatives;
    const starts = this.groups.start;
    const queryNorms = buffers.queryNorms[direction]!;
    await this.globals.backward(
      direction,
      queries,
      queryNorms,
      size,
      this.groups.relation,
      starts,
      scoreGrads,
      width,
      1 + inBatch,
      queryGrads,
      this.relationGrads,
    );
    if (model.comparator === "cos") {
      normalizeRowsBackward(queries, size, dim, queryNorms, queryGrads);
      normalizeRowsBackward(positives, size, dim, buffers.positiveNorms[direction]!, positiveGrads);
    }
    const onQuery = this.operatesOnQuery(direction);
    const rowOffset = this.operatorRowOffset(direction);
    routeGradients(
      model,
      this.kernels,
      buffers,
      onQuery,
      rowOffset,
      size,
      this.groups.relation,
      queryGrads,
      positiveGrads,
    );
  }

  // dA, dP (B x D) of the positive column alone (written, not accumulated): dot gives
  // dA_i = g_i P_i, dP_i = g_i A_i; L2 gives -+2 g_i (A_i - P_i); the original's parity adds
  // g_i w_r to dA_i.
  private positiveBackward(direction: number, size: number): void {
    const model = this.model;
    const dim = model.dim;
    const buffers = this.buffers;
    const width = buffers.width;
    const queries = buffers.queries[direction]!;
    const positives = buffers.positives[direction]!;
    const queryGrads = buffers.queryGrads[direction]!;
    const positiveGrads = buffers.positiveGrads[direction]!;
    const scoreGrads = buffers.scoreGrads[direction]!;
    const translated = model.parity.translateRhs && direction === TAIL;
    if (model.comparator !== "l2" && !translated) {
      this.kernels.pairBackward(
        scoreGrads,
        0,
        width,
        queries,
        positives,
        size,
        dim,
        queryGrads,
        positiveGrads,
      );
      return;
    }
    queryGrads.fill(0, 0, size * dim);
    positiveGrads.fill(0, 0, size * dim);
    const l2 = model.comparator === "l2";
    for (let row = 0; row < size; row++) {
      const grad = scoreGrads[row * width]!;
      if (grad === 0) continue;
      for (let d = 0; d < dim; d++) {
        const query = queries[row * dim + d]!;
        const positive = positives[row * dim + d]!;
        queryGrads[row * dim + d]! += l2 ? -2 * grad * (query - positive) : grad * positive;
        positiveGrads[row * dim + d]! += l2 ? 2 * grad * (query - positive) : grad * query;
        if (translated) {
          queryGrads[row * dim + d]! +=
            grad * model.relationParams[this.groups.relation[row]! * dim + d]!;
        }
      }
    }
  }
}
