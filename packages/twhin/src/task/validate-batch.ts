import { DataError } from "@tml/core";
import type { EdgeBatch } from "../data/edge-batch.js";
import { edgeProblem } from "../data/edge-check.js";
import type { TwhinModel } from "../model/twhin-model.js";

/**
 * Checks a batch against the model: relation indices in range, ids within their tables' rows.
 * Throws DataError naming the edge, the column and the limit (`where` names the source).
 */
export function validateBatch(model: TwhinModel, batch: EdgeBatch, where: string): void {
  for (let i = 0; i < batch.size; i++) {
    const problem = edgeProblem(model, batch.lhs[i]!, batch.rel[i]!, batch.rhs[i]!);
    if (problem === undefined) continue;
    throw new DataError(`${where}: edge ${i} of a batch: ${problem.reason}.`, {
      details: { where, edge: i, column: problem.column, value: problem.value },
    });
  }
}
