import { Rng, type RngState } from "@tml/core";
import type { EdgeBatch } from "./edge-batch.js";
import type { EdgeSet } from "./edge-set.js";

/** Where a shuffled pass over the edges stands (saved in checkpoints). */
export interface EdgeCursor {
  epoch: number;
  position: number;
  rng: RngState;
}

/**
 * Endless shuffled batches over an in-memory edge set: each epoch is a fresh seeded permutation.
 * `next` refills one preallocated batch (no allocation per step); the last short batch of an
 * epoch is emitted as is (the original dropped it).
 */
export class EdgeBatches {
  private readonly edges: EdgeSet;
  private readonly batchSize: number;
  private readonly perm: Int32Array;
  private readonly batch: EdgeBatch;
  private rng: Rng;
  private epochRng: RngState;
  epoch = 0;
  position = 0;

  constructor(edges: EdgeSet, batchSize: number, seed: number) {
    this.edges = edges;
    this.batchSize = batchSize;
    this.perm = new Int32Array(edges.size);
    this.batch = {
      lhs: new Int32Array(batchSize),
      rel: new Int32Array(batchSize),
      rhs: new Int32Array(batchSize),
      size: 0,
    };
    this.rng = new Rng(seed).fork("edge-batches");
    this.epochRng = this.rng.getState();
    this.shuffle();
  }

  private shuffle(): void {
    this.epochRng = this.rng.getState();
    for (let i = 0; i < this.perm.length; i++) this.perm[i] = i;
    this.rng.shuffle(this.perm);
  }

  /** The next batch (the same object every call, refilled). */
  next(): EdgeBatch {
    if (this.position >= this.edges.size) {
      this.epoch++;
      this.position = 0;
      this.shuffle();
    }
    const n = Math.min(this.batchSize, this.edges.size - this.position);
    for (let i = 0; i < n; i++) {
      const e = this.perm[this.position + i]!;
      this.batch.lhs[i] = this.edges.lhs[e]!;
      this.batch.rel[i] = this.edges.rel[e]!;
      this.batch.rhs[i] = this.edges.rhs[e]!;
    }
    this.batch.size = n;
    this.position += n;
    return this.batch;
  }

  /** Current position, to resume exactly. */
  cursor(): EdgeCursor {
    return { epoch: this.epoch, position: this.position, rng: this.epochRng };
  }

  /** Restores a cursor saved by `cursor()`. */
  restore(cursor: EdgeCursor): void {
    this.rng = Rng.fromState(cursor.rng);
    this.shuffle();
    this.epoch = cursor.epoch;
    this.position = cursor.position;
  }
}
