import type { StepKernels } from "../kernels/step-kernels.js";
import { operatorBackward } from "../model/operators.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { StepBuffers } from "./step-buffers.js";

/**
 * Sends a direction's query / positive gradients (dA, dP: B x D, rows in relation-group order)
 * back to the batch's table rows and the operator parameters, along the row indices the step's
 * forward left in `buffers`: identity-Jacobian sides (plain rows, `none`, `translation`) are added
 * straight to their slots (and a translation's to its relation slot); rows with an
 * `operatorInput` go through `operatorBackward` (diagonal, complex_diagonal). Rows without an
 * operator (-1 everywhere, e.g. under the original's parity) send nothing to the operators.
 */
export function routeGradients(
  model: TwhinModel,
  kernels: StepKernels,
  buffers: StepBuffers,
  operatedIsQuery: boolean,
  operatorRowOffset: number,
  size: number,
  edgeRelations: Int32Array,
  queryGrads: Float32Array,
  positiveGrads: Float32Array,
): void {
  const dim = model.dim;
  const { allGrads, querySource, positiveSource, relationGrads } = buffers;
  kernels.scatterAddRows(queryGrads, size, dim, allGrads, querySource);
  kernels.scatterAddRows(positiveGrads, size, dim, allGrads, positiveSource);
  const operatedGrads = operatedIsQuery ? queryGrads : positiveGrads;
  kernels.scatterAddRows(operatedGrads, size, dim, relationGrads.grads, buffers.relationSlot);
  for (let edge = 0; edge < size; edge++) {
    const row = buffers.operatorInput[edge]!;
    if (row < 0) continue;
    const relation = edgeRelations[edge]!;
    const operatorRow = operatorRowOffset + relation;
    operatorBackward(
      model.relations[relation]!.operator,
      model.relationParams,
      operatorRow * dim,
      buffers.allRows,
      row * dim,
      operatedGrads,
      edge * dim,
      allGrads,
      row * dim,
      relationGrads.grads,
      relationGrads.slot(operatorRow) * dim,
      dim,
    );
  }
}
