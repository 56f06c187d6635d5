/**
 * The factor that brings a gradient of global norm `norm` within `maxNorm`: `maxNorm / norm` when
 * the norm exceeds it, else 1 (a non-finite norm gives NaN so the step fails loudly).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!Number.isFinite(norm)) return Number.NaN;
  return norm > maxNorm ? maxNorm / norm : 1;
}
