/**
 * Maps a uniform `u` in [0, 1) to an index in [0, n) drawn with a power-law (Zipf-like) weight:
 * index = ⌊n·u^γ⌋, so index k has probability ((k+1)/n)^(1/γ) − (k/n)^(1/γ) ≈ k^(1/γ − 1), and
 * the expected degrees of indices drawn this way have a tail P(degree > d) ∝ d^(−γ/(γ−1)).
 * `exponent` γ ≥ 1 (1 = uniform). O(1), no tables, so it scales to any n.
 */
export function powerLawIndex(u: number, n: number, exponent: number): number {
  const index = Math.floor(n * u ** exponent);
  return index < n ? index : n - 1;
}
