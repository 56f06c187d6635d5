/**
 * Row-sparse gradient of one table for one step: each distinct row gets a slot, gradients live in
 * `grads[slot * dim ..]`. Preallocated for `capacity` rows; `reset` clears only the used slots.
 */
export class SparseGrads {
  readonly dim: number;
  readonly slotOf: Int32Array;
  readonly rowIds: Int32Array;
  readonly grads: Float32Array;
  count = 0;

  /** `grads`, when given, is the gradient storage (capacity x dim floats, e.g. kernel scratch). */
  constructor(rows: number, dim: number, capacity: number, grads?: Float32Array) {
    this.dim = dim;
    this.slotOf = new Int32Array(rows).fill(-1);
    this.rowIds = new Int32Array(capacity);
    this.grads = grads ?? new Float32Array(capacity * dim);
  }

  /** The slot of `row`, assigning one on first use (zeroed: `reset` clears the used slots). */
  slot(row: number): number {
    let slot = this.slotOf[row]!;
    if (slot < 0) {
      slot = this.count++;
      this.slotOf[row] = slot;
      this.rowIds[slot] = row;
    }
    return slot;
  }

  /** Forgets all slots and zeroes their gradients (O(slots used)). */
  reset(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.rowIds[s]!] = -1;
    this.grads.fill(0, 0, this.count * this.dim);
    this.count = 0;
  }
}

/** Fills `out[0..count)` with the first `count` entries of a uniform random permutation of 0..n-1,
 * cycling when count > n (the original's in-batch sampling, §4.5). `perm` is scratch of size >= n. */
export function samplePermutation(
  n: number,
  count: number,
  perm: Int32Array,
  out: Int32Array,
  outOff: number,
  randomInt: (maxExclusive: number) => number,
): void {
  for (let i = 0; i < n; i++) perm[i] = i;
  const draws = Math.min(n, count);
  for (let i = 0; i < draws; i++) {
    const j = i + randomInt(n - i);
    const swap = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = swap;
  }
  for (let s = 0; s < count; s++) out[outOff + s] = perm[s % n]!;
}
