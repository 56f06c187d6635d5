import type { OperatorKind } from "../config/twhin-config.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeGroups } from "./edge-groups.js";
import type { SparseGrads } from "./sparse-grads.js";
import type { StepSettings } from "./step-settings.js";

/**
 * Adds the configured regularizer's gradient to the batch's sparse gradients; returns its penalty.
 * `tableRows[t]` holds table t's batch rows as float32 in slot order (as the step gathered them).
 */
export function addRegularization(
  model: TwhinModel,
  settings: StepSettings,
  groups: EdgeGroups,
  size: number,
  tableRows: readonly Float32Array[],
  tableGrads: SparseGrads[],
  relationGrads: SparseGrads,
): number {
  const weight = settings.regularization;
  if (weight === 0) return 0;
  if (settings.regularizer === "l2") {
    return addL2Regularization(model, tableRows, tableGrads, weight);
  }
  return addN3Regularization(model, groups, size, tableRows, tableGrads, relationGrads, weight);
}

/** L2 penalty weight/2 * |x|^2 on each distinct row of the batch (negatives included); returns it. */
export function addL2Regularization(
  model: TwhinModel,
  tableRows: readonly Float32Array[],
  tableGrads: SparseGrads[],
  weight: number,
): number {
  const dim = model.dim;
  let penalty = 0;
  model.tables.forEach((_table, t) => {
    const grads = tableGrads[t]!;
    const rows = tableRows[t]!;
    for (let s = 0; s < grads.count; s++) {
      for (let d = 0; d < dim; d++) {
        const x = rows[s * dim + d]!;
        penalty += x * x;
        grads.grads[s * dim + d]! += weight * x;
      }
    }
  });
  return 0.5 * weight * penalty;
}

/**
 * The weighted N3 penalty (Lacroix, Usunier, Obozinski 2018, "Canonical Tensor Decomposition for
 * Knowledge Base Completion"): for every edge direction of the batch, weight * (|e_lhs|_3^3 +
 * |w_r|_3^3 + |e_rhs|_3^3), averaged over the 2B directions. Each direction uses its own operator
 * row (R + r ranks heads under reciprocal relations; rotation phases are not penalised). Under
 * `complex_diagonal` and `rotation` a coordinate is the complex number (x_d, x_{d+D/2}) and |.|
 * its modulus. Rows are weighted by how often the batch holds them, which is what makes the norm
 * "weighted". Adds the gradient 3 * weight * |z| * x (per direction) to the batch's sparse
 * gradients; returns the penalty.
 */
export function addN3Regularization(
  model: TwhinModel,
  groups: EdgeGroups,
  size: number,
  tableRows: readonly Float32Array[],
  tableGrads: SparseGrads[],
  relationGrads: SparseGrads,
  weight: number,
): number {
  const dim = model.dim;
  const scale = weight / (2 * size);
  const numRelations = model.relations.length;
  let penalty = 0;
  for (let row = 0; row < size; row++) {
    const relationIndex = groups.relation[row]!;
    const relation = model.relations[relationIndex]!;
    const kind = relation.operator;
    for (const [t, id] of [
      [relation.lhsTable, groups.lhs[row]!],
      [relation.rhsTable, groups.rhs[row]!],
    ] as const) {
      const grads = tableGrads[t]!;
      const slot = grads.slotOf[id]! * dim;
      penalty += cubePenalty(kind, tableRows[t]!, slot, grads.grads, slot, dim, 2 * scale);
    }
    // Operator rows with magnitudes: not `none`, not rotation phases.
    if (kind === "none" || kind === "rotation") continue;
    const operatorRows = model.reciprocal
      ? [relationIndex, numRelations + relationIndex]
      : [relationIndex, relationIndex];
    for (const operatorRow of operatorRows) {
      const slot = relationGrads.slot(operatorRow);
      penalty += cubePenalty(
        kind,
        model.relationParams,
        operatorRow * dim,
        relationGrads.grads,
        slot * dim,
        dim,
        scale,
      );
    }
  }
  return penalty;
}

// coefficient * sum |z|^3 of one row, adding coefficient * 3|z| x into `grads`; returns the sum.
function cubePenalty(
  kind: OperatorKind,
  x: Float32Array,
  offset: number,
  grads: Float32Array,
  gradOffset: number,
  dim: number,
  coefficient: number,
): number {
  let sum = 0;
  if (kind === "complex_diagonal" || kind === "rotation") {
    const half = dim >> 1;
    for (let d = 0; d < half; d++) {
      const real = x[offset + d]!;
      const imaginary = x[offset + half + d]!;
      const modulus = Math.sqrt(real * real + imaginary * imaginary);
      sum += modulus * modulus * modulus;
      const factor = 3 * coefficient * modulus;
      grads[gradOffset + d]! += factor * real;
      grads[gradOffset + half + d]! += factor * imaginary;
    }
  } else {
    for (let d = 0; d < dim; d++) {
      const value = x[offset + d]!;
      const magnitude = Math.abs(value);
      sum += magnitude * magnitude * magnitude;
      grads[gradOffset + d]! += 3 * coefficient * magnitude * value;
    }
  }
  return coefficient * sum;
}
