/**
 * Bounded selection of the k largest scores: a binary min-heap over preallocated arrays, so the
 * common case (score below the current k-th best) costs one comparison.
 */
export class TopK {
  readonly k: number;
  private readonly scores: Float32Array;
  private readonly ids: Int32Array;
  size = 0;

  constructor(k: number) {
    this.k = k;
    this.scores = new Float32Array(k);
    this.ids = new Int32Array(k);
  }

  /** Empties the heap. */
  clear(): void {
    this.size = 0;
  }

  /** Offers a candidate. */
  push(id: number, score: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.scores[i] = this.scores[parent]!;
        this.ids[i] = this.ids[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.ids[i] = id;
      return;
    }
    if (this.k === 0 || score <= this.scores[0]!) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.k) break;
      const right = left + 1;
      const child = right < this.k && this.scores[right]! < this.scores[left]! ? right : left;
      if (this.scores[child]! >= score) break;
      this.scores[i] = this.scores[child]!;
      this.ids[i] = this.ids[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  /** Writes the kept candidates best first (ties by smaller id) into `ids` / `scores` at `offset`. */
  drain(ids: Int32Array, scores: Float32Array, offset: number): void {
    const order = Array.from({ length: this.size }, (_, i) => i).sort(
      (a, b) => this.scores[b]! - this.scores[a]! || this.ids[a]! - this.ids[b]!,
    );
    order.forEach((slot, rank) => {
      ids[offset + rank] = this.ids[slot]!;
      scores[offset + rank] = this.scores[slot]!;
    });
    for (let rank = this.size; rank < this.k; rank++) {
      ids[offset + rank] = -1;
      scores[offset + rank] = Number.NaN;
    }
  }
}
