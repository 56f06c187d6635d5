import type { StepKernels } from "../kernels/step-kernels.js";
import { operatorBackward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "./sparse-grads.js";
import type { StepBuffers } from "./step-buffers.js";

const TAIL = 0;
const HEAD = 1;

/**
 * Sends a direction's query / positive gradients (dA, dP; rows in relation-group order) back to
 * the batch's table rows and the operator parameters, along the row indices `buildDirection`
 * left in `buffers`: identity-Jacobian sides (plain rows, `none`, `translation`) are added
 * straight to their slots (and translations' to their relation slots); rows marked -1 go through
 * `operatorBackward` (diagonal, complex_diagonal). Under the original's parity translations are
 * detached and get nothing.
 */
export function routeGradients(
  model: TwhinModel,
  kernels: StepKernels,
  buffers: StepBuffers,
  direction: number,
  size: number,
  edgeRel: Int32Array,
  dA: Float32Array,
  dP: Float32Array,
): void {
  const dim = model.dim;
  const { allGrads, sourceA, sourceP } = buffers;
  kernels.scatterAddRows(dA, size, dim, allGrads, sourceA);
  kernels.scatterAddRows(dP, size, dim, allGrads, sourceP);
  if (model.parityOriginal) return;
  const reciprocalHead = direction === HEAD && model.reciprocal;
  const operatedA = direction === TAIL || reciprocalHead;
  const dOperated = operatedA ? dA : dP;
  const relationGrads = buffers.relationGrads;
  kernels.scatterAddRows(dOperated, size, dim, relationGrads.grads, buffers.relationSlot);
  const numRelations = model.relations.length;
  for (let k = 0; k < size; k++) {
    const row = buffers.operatorInput[k]!;
    if (row < 0) continue;
    const r = edgeRel[k]!;
    const opRow = reciprocalHead ? numRelations + r : r;
    operatorBackward(
      model.relations[r]!.operator,
      model.relationParams,
      opRow * dim,
      buffers.allRows,
      row * dim,
      dOperated,
      k * dim,
      allGrads,
      row * dim,
      relationGrads.grads,
      relationGrads.slot(opRow) * dim,
      dim,
    );
  }
}

/** L2 penalty weight/2 * |x|^2 on each distinct row of the batch (negatives included); returns it. */
export function addRegularization(
  model: TwhinModel,
  tableGrads: SparseGrads[],
  weight: number,
): number {
  const dim = model.dim;
  let penalty = 0;
  model.tables.forEach((table, t) => {
    const grads = tableGrads[t]!;
    for (let s = 0; s < grads.count; s++) {
      const base = grads.rowIds[s]! * dim;
      for (let d = 0; d < dim; d++) {
        const x = table.data[base + d]!;
        penalty += x * x;
        grads.grads[s * dim + d]! += weight * x;
      }
    }
  });
  return 0.5 * weight * penalty;
}
