import { operatorBackward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "./sparse-grads.js";

const HEAD = 1;
const TAIL = 0;

/**
 * Sends a direction's query / positive gradients (dA, dP; rows in relation-group order) back
 * through the relation operators to the table rows and the operator parameters (not under the
 * original's parity, where translations are detached).
 */
export function routeGradients(
  model: TwhinModel,
  direction: number,
  size: number,
  edgeRel: Int32Array,
  edgeLhs: Int32Array,
  edgeRhs: Int32Array,
  dA: Float32Array,
  dP: Float32Array,
  tableGrads: SparseGrads[],
  relationGrads: SparseGrads,
): void {
  const dim = model.dim;
  const params = model.relationParams;
  const relGrads = model.parityOriginal ? null : relationGrads;
  const numRelations = model.relations.length;
  for (let k = 0; k < size; k++) {
    const r = edgeRel[k]!;
    const relation = model.relations[r]!;
    const lhsGrads = tableGrads[relation.lhsTable]!;
    const rhsGrads = tableGrads[relation.rhsTable]!;
    const lhsData = model.tables[relation.lhsTable]!.data;
    const rhsData = model.tables[relation.rhsTable]!.data;
    const lhsRow = edgeLhs[k]!;
    const rhsRow = edgeRhs[k]!;
    const lhsOff = lhsGrads.slot(lhsRow) * dim;
    const rhsOff = rhsGrads.slot(rhsRow) * dim;
    const opRow =
      direction === HEAD && model.reciprocal && !model.parityOriginal ? numRelations + r : r;
    const relOff = relGrads ? relGrads.slot(opRow) * dim : 0;
    const relArray = relGrads ? relGrads.grads : null;
    const plain = model.parityOriginal;
    if (direction === TAIL || (direction === HEAD && !model.reciprocal && !plain)) {
      // The operated side is lhs: A for TAIL, P for non-reciprocal HEAD.
      const [dOp, dOther] = direction === TAIL ? [dA, dP] : [dP, dA];
      if (plain) addRow(dOp, k * dim, lhsGrads.grads, lhsOff, dim);
      else
        operatorBackward(
          relation.operator,
          params,
          opRow * dim,
          lhsData,
          lhsRow * dim,
          dOp,
          k * dim,
          lhsGrads.grads,
          lhsOff,
          relArray,
          relOff,
          dim,
        );
      addRow(dOther, k * dim, rhsGrads.grads, rhsOff, dim);
    } else if (plain) {
      addRow(dA, k * dim, rhsGrads.grads, rhsOff, dim);
      addRow(dP, k * dim, lhsGrads.grads, lhsOff, dim);
    } else {
      operatorBackward(
        relation.operator,
        params,
        opRow * dim,
        rhsData,
        rhsRow * dim,
        dA,
        k * dim,
        rhsGrads.grads,
        rhsOff,
        relArray,
        relOff,
        dim,
      );
      addRow(dP, k * dim, lhsGrads.grads, lhsOff, dim);
    }
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

function addRow(
  src: Float32Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  dim: number,
): void {
  for (let d = 0; d < dim; d++) dst[dstOff + d]! += src[srcOff + d]!;
}
