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
