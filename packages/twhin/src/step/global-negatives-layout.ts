import type { TwhinModel } from "../model/twhin-model.js";

/**
 * Lengths of the kernel-owned arrays of GlobalNegatives, in allocation order (K = count,
 * B = batch size, D = dim; empty when K = 0). Per table: ids (int32 K), raw rows, the rows scored
 * (a separate normalised copy under cosine), their norms (K), and two gradients (K x D each).
 * Then: row index (int32 B), gathered queries (B x D), their norms (B), dA (B x D), scores
 * (B x K), transformed candidates op_r(G) (K x D), their norms (K), dT (K x D), L2 sums (B, K).
 */
export function globalNegativesLengths(model: TwhinModel, count: number, batchSize: number) {
  const dim = model.dim;
  const batch = count > 0 ? batchSize : 0;
  const cosine = model.comparator === "cos";
  return {
    perTable: [count, count * dim, cosine ? count * dim : 0, count, count * dim, count * dim],
    shared: [batch, batch * dim, batch, batch * dim, batch * count],
    shared2: [count * dim, count, count * dim, batch, count],
  };
}

/** Lengths of the arrays GlobalNegatives allocates from the step kernels (for the arena size). */
export function globalNegativesLayout(
  model: TwhinModel,
  count: number,
  batchSize: number,
): number[] {
  const sizes = globalNegativesLengths(model, count, batchSize);
  return [...model.tables.flatMap(() => sizes.perTable), ...sizes.shared, ...sizes.shared2];
}
