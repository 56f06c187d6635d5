import type { OperatorKind } from "../config/twhin-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
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
  kernels: StepKernels,
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
      if (plain) kernels.axpy(1, dOp, k * dim, lhsGrads.grads, lhsOff, dim);
      else
        operatorRowBackward(
          kernels,
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
      kernels.axpy(1, dOther, k * dim, rhsGrads.grads, rhsOff, dim);
    } else if (plain) {
      kernels.axpy(1, dA, k * dim, rhsGrads.grads, rhsOff, dim);
      kernels.axpy(1, dP, k * dim, lhsGrads.grads, lhsOff, dim);
    } else {
      operatorRowBackward(
        kernels,
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
      kernels.axpy(1, dP, k * dim, lhsGrads.grads, lhsOff, dim);
    }
  }
}

// operatorBackward with the identity-Jacobian operators (none, translation) through the kernels.
function operatorRowBackward(
  kernels: StepKernels,
  kind: OperatorKind,
  w: Float32Array,
  wOff: number,
  x: Float32Array,
  xOff: number,
  dy: Float32Array,
  dyOff: number,
  dx: Float32Array,
  dxOff: number,
  dw: Float32Array | null,
  dwOff: number,
  dim: number,
): void {
  if (kind !== "none" && kind !== "translation") {
    operatorBackward(kind, w, wOff, x, xOff, dy, dyOff, dx, dxOff, dw, dwOff, dim);
    return;
  }
  kernels.axpy(1, dy, dyOff, dx, dxOff, dim);
  if (dw !== null && kind === "translation") kernels.axpy(1, dy, dyOff, dw, dwOff, dim);
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
