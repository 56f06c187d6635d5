import type { TwhinModel } from "../model/twhin-model.js";
import type { StepSettings } from "./step-settings.js";

// Float (or int32) lengths of the scratch a relation-prediction term allocates in the kernels'
// memory: pair features F and dF, dLhs and dRhs (B x D), logits and dLogits (B x O), dW (O x D),
// the lhs / rhs `allRows` rows (B). O = operator rows.
export function relationPredictionLayout(model: TwhinModel, settings: StepSettings): number[] {
  if (settings.relationPrediction === 0) return [];
  const batch = settings.batchSize;
  const dim = model.dim;
  const rows = model.numOperatorRows;
  return [
    batch * dim,
    batch * dim,
    batch * dim,
    batch * dim,
    batch * rows,
    batch * rows,
    rows * dim,
    batch,
    batch,
  ];
}
