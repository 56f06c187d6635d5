import { arenaFloats } from "../kernels/simd-kernels.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import { rowViews } from "../kernels/table-rows.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { OptimizerStage } from "../optim/row-optimizer.js";
import { globalNegativesLayout } from "./global-negatives-layout.js";
import { relationPredictionLayout } from "./relation-prediction-layout.js";
import { SparseGrads } from "./sparse-grads.js";
import type { StepSettings } from "./step-settings.js";

// Float (or int32) lengths of every kernel-owned array, in allocation order. B = batch size,
// D = dim, N = in-batch negatives, K = global negatives, W = 1 + N + K score columns,
// M = max(N, K, 1) candidates of one block, S = 2B + K slots of a table.
function layout(model: TwhinModel, settings: StepSettings) {
  const { batchSize: batch, inBatchNegatives, globalNegatives } = settings;
  const dim = model.dim;
  const width = 1 + inBatchNegatives + globalNegatives;
  const candidates = Math.max(inBatchNegatives, globalNegatives, 1);
  const operatorRows = model.numOperatorRows;
  const slots = 2 * batch + globalNegatives;
  return {
    // queries, positives, their gradients (B x D); their norms (B); scores, dScores (B x W; the
    // softmax loss writes dScores over the scores: none allocated)
    perDirection: [
      batch * dim,
      batch * dim,
      batch * dim,
      batch * dim,
      batch,
      batch,
      batch * width,
      settings.loss.type === "softmax" ? 0 : batch * width,
    ],
    // candidates and their gradients (M x D), candidate norms, column sums (M)
    candidates: [candidates * dim, candidates * dim, candidates, candidates],
    rowSums: batch,
    // operator parameters and their gradients (operator rows x D)
    operators: [operatorRows * dim, operatorRows * dim],
    tableSlots: model.tables.map(() => slots),
    // the optimizers' staging rows and state (STAGE_ROWS x D each)
    stage: [STAGE_ROWS * dim, STAGE_ROWS * dim],
    // querySource, positiveSource, operatorRow, relationSlot, operatorInput (B); candidateSource (M)
    rowIndices: [batch, batch, batch, batch, batch, candidates],
  };
}

/** Rows an optimizer stages at a time (`RowOptimizer.updateStaged`): 128 KB per array at D 512. */
const STAGE_ROWS = 64;

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Floats of kernel arena a step with these settings allocates (its buffers and global negatives). */
export function stepArenaFloats(model: TwhinModel, settings: StepSettings): number {
  const sizes = layout(model, settings);
  const slotFloats = sum(sizes.tableSlots) * model.dim;
  return arenaFloats([
    ...sizes.perDirection,
    ...sizes.perDirection,
    ...sizes.candidates,
    sizes.rowSums,
    ...sizes.operators,
    slotFloats,
    slotFloats,
    ...sizes.tableSlots,
    ...sizes.stage,
    ...sizes.rowIndices,
    ...globalNegativesLayout(
      model,
      settings.globalNegatives,
      settings.batchSize,
      settings.allNegatives,
    ),
    ...relationPredictionLayout(model, settings),
  ]);
}

/**
 * The preallocated scratch of a TwhinStep, all in its kernels' memory (so the SIMD kernels find
 * every operand there). Per direction (TAIL = 0, HEAD = 1): queries, positives, their gradients
 * and norms, the score and dScore rows (B x W, W = 1 + in-batch + global negatives).
 */
export class StepBuffers {
  /** Score columns per row: the positive, N in-batch negatives, K global negatives. */
  readonly width: number;
  /** Per direction: query rows A (B x D). */
  readonly queries: Float32Array[] = [];
  /** Per direction: positive rows P (B x D). */
  readonly positives: Float32Array[] = [];
  /** Per direction: dL/dA (B x D). */
  readonly queryGrads: Float32Array[] = [];
  /** Per direction: dL/dP (B x D). */
  readonly positiveGrads: Float32Array[] = [];
  /** Per direction: |A_i| (cosine) or |A_i|^2 (L2) (B). */
  readonly queryNorms: Float32Array[] = [];
  /** Per direction: |P_i| or |P_i|^2 (B). */
  readonly positiveNorms: Float32Array[] = [];
  /** Per direction: scores S (B x W), column 0 the positive. */
  readonly scores: Float32Array[] = [];
  /** Per direction: dL/dS (B x W); under the softmax loss, `scores` itself (overwritten by it). */
  readonly scoreGrads: Float32Array[] = [];
  /** In-batch candidates of one relation group (N x D), their gradients and norms (N). */
  readonly candidates: Float32Array;
  readonly candidateGrads: Float32Array;
  readonly candidateNorms: Float32Array;
  /** L2 scratch: column sums (M) and row sums (B) of a doubled dS block. */
  readonly columnSums: Float32Array;
  readonly rowSums: Float32Array;
  /** A copy of the model's operator parameters (operator rows x D), refreshed each step. */
  readonly relationParams: Float32Array;
  /** Per table: the batch's row-sparse gradients (slots x D). */
  readonly tableGrads: SparseGrads[];
  /** Row-sparse gradients of the operator rows. */
  readonly relationGrads: SparseGrads;
  /** Per table: the rows of the batch's slots, gathered in slot order (slots x D). */
  readonly tableRows: Float32Array[];
  /** All tables' gathered rows, table after table (`tableRows[t]` are views of it). */
  readonly allRows: Float32Array;
  /** All tables' slot gradients, laid out as `allRows` (`tableGrads[t].grads` are views of it). */
  readonly allGrads: Float32Array;
  /** Per table: its first row in `allRows` / `allGrads`. */
  readonly tableBase: number[];
  /** Per row of a direction: the `allRows` row of its query and of its positive (B). */
  readonly querySource: Int32Array;
  readonly positiveSource: Int32Array;
  /** Per row: the operator row added to the operated side (-1: not a translation) (B). */
  readonly operatorRow: Int32Array;
  /** Per row: the relation-gradient slot of that translation (-1: none) (B). */
  readonly relationSlot: Int32Array;
  /** Per row: the `allRows` row a diagonal / complex operator acted on (-1: none did) (B). */
  readonly operatorInput: Int32Array;
  /** The direction rows the current in-batch candidates were gathered from (N). */
  readonly candidateSource: Int32Array;
  /** Per table: a view of each slot's row in `tableRows` (write-back without allocation). */
  readonly tableRowViews: Float32Array[][];
  /** Per table: one float of optimizer state per slot (gathered by the optimizer). */
  readonly slotState: Float32Array[];
  /** Staging space of the table optimizers' in-place kernel path (`RowOptimizer.updateStaged`). */
  readonly optimizerStage: OptimizerStage;

  /** The `allRows` row holding row `id` of table `table` (its slot, assigned by the batch's grouping). */
  rowOf(table: number, id: number): number {
    return this.tableBase[table]! + this.tableGrads[table]!.slotOf[id]!;
  }

  constructor(model: TwhinModel, settings: StepSettings, kernels: StepKernels) {
    const sizes = layout(model, settings);
    const dim = model.dim;
    this.width = 1 + settings.inBatchNegatives + settings.globalNegatives;
    const lists = [
      this.queries,
      this.positives,
      this.queryGrads,
      this.positiveGrads,
      this.queryNorms,
      this.positiveNorms,
      this.scores,
      this.scoreGrads,
    ];
    for (let direction = 0; direction < 2; direction++) {
      sizes.perDirection.forEach((length, i) => {
        lists[i]!.push(kernels.float32(length));
      });
      // The softmax loss computes dL/dS in place: nothing reads S after it.
      if (settings.loss.type === "softmax") this.scoreGrads[direction] = this.scores[direction]!;
    }
    const [candidates, candidateGrads, candidateNorms, columnSums] = sizes.candidates.map(
      (length) => kernels.float32(length),
    );
    this.candidates = candidates!;
    this.candidateGrads = candidateGrads!;
    this.candidateNorms = candidateNorms!;
    this.columnSums = columnSums!;
    this.rowSums = kernels.float32(sizes.rowSums);
    this.relationParams = kernels.float32(sizes.operators[0]!);
    const operatorRows = model.numOperatorRows;
    const relationGradStore = kernels.float32(sizes.operators[1]!);
    this.relationGrads = new SparseGrads(operatorRows, dim, operatorRows, relationGradStore);
    const slotFloats = sum(sizes.tableSlots) * dim;
    this.allGrads = kernels.float32(slotFloats);
    this.allRows = kernels.float32(slotFloats);
    this.tableBase = [];
    let base = 0;
    for (const slots of sizes.tableSlots) {
      this.tableBase.push(base);
      base += slots;
    }
    const view = (all: Float32Array, t: number) =>
      all.subarray(this.tableBase[t]! * dim, (this.tableBase[t]! + sizes.tableSlots[t]!) * dim);
    this.tableGrads = model.tables.map(
      (table, t) => new SparseGrads(table.rows, dim, sizes.tableSlots[t]!, view(this.allGrads, t)),
    );
    this.tableRows = model.tables.map((_, t) => view(this.allRows, t));
    this.tableRowViews = this.tableRows.map((rows) => rowViews(rows, dim));
    this.slotState = sizes.tableSlots.map((length) => kernels.float32(length));
    const [stageRows, stageState] = sizes.stage.map((length) => kernels.float32(length));
    this.optimizerStage = { rows: stageRows!, state: stageState! };
    const [querySource, positiveSource, operatorRow, relationSlot, operatorInput, candidateSource] =
      sizes.rowIndices.map((length) => kernels.int32(length));
    this.querySource = querySource!;
    this.positiveSource = positiveSource!;
    this.operatorRow = operatorRow!;
    this.relationSlot = relationSlot!;
    this.operatorInput = operatorInput!;
    this.candidateSource = candidateSource!;
  }
}
