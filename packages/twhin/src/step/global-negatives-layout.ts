import type { TwhinModel } from "../model/twhin-model.js";

/** Whether some direction scores op_r(candidate) (a HEAD direction without reciprocal relations). */
export function transformsCandidates(model: TwhinModel): boolean {
  return model.transformsCandidates("tail") || model.transformsCandidates("head");
}

/**
 * Whether the candidates' gradient of every table is the table's own sparse gradient (1vsAll on
 * one table with the dot comparator and untransformed candidates: `GlobalNegatives.sample`
 * registers ids 0..K-1 first, so slot = id), which needs no K x D gradient of its own.
 */
export function directCandidateGrads(model: TwhinModel, all: boolean): boolean {
  return (
    all && model.tables.length === 1 && model.comparator === "dot" && !transformsCandidates(model)
  );
}

/**
 * Lengths of the kernel-owned arrays of GlobalNegatives, in allocation order (K = count,
 * B = batch size, D = dim; empty when K = 0). Per table: ids (int32 K), raw rows, the rows scored
 * (a separate normalised copy under cosine), their norms (K), the scored rows' gradient (K x D,
 * none when `directCandidateGrads`), the raw rows' gradient through op_r (K x D, only when
 * candidates are transformed). Then, when the model has several tables (with one, every row
 * ranks it and the score rows are used in place): row index (int32 B), gathered queries
 * (B x D), their norms (B), dA (B x D), scores (B x K). Then, only when candidates are
 * transformed: op_r(G) (K x D), its norms (K), dT (K x D); and the L2 sums (B, K).
 */
export function globalNegativesLengths(
  model: TwhinModel,
  count: number,
  batchSize: number,
  all: boolean,
) {
  const dim = model.dim;
  const batch = count > 0 ? batchSize : 0;
  const cosine = model.comparator === "cos";
  const transforms = transformsCandidates(model);
  const scoredGrads = directCandidateGrads(model, all) ? 0 : count * dim;
  const rawGrads = transforms ? count * dim : 0;
  const gathered = model.tables.length > 1 ? batch : 0;
  const transformed = transforms ? count : 0;
  return {
    perTable: [count, count * dim, cosine ? count * dim : 0, count, scoredGrads, rawGrads],
    shared: [gathered, gathered * dim, gathered, gathered * dim, gathered * count],
    shared2: [transformed * dim, transformed, transformed * dim, batch, count],
  };
}

/** Lengths of the arrays GlobalNegatives allocates from the step kernels (for the arena size). */
export function globalNegativesLayout(
  model: TwhinModel,
  count: number,
  batchSize: number,
  all: boolean,
): number[] {
  const sizes = globalNegativesLengths(model, count, batchSize, all);
  return [...model.tables.flatMap(() => sizes.perTable), ...sizes.shared, ...sizes.shared2];
}
