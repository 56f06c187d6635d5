import type { EdgeBatch } from "../data/edge-batch.js";

/** The shared memory through which the leader hands each worker its batch slice, and gets its loss. */
export interface HogwildSlotsHandle {
  capacity: number;
  size: number;
  /** Int32, per rank: [edges, seed, update] then lhs, rel, rhs (capacity each). */
  edges: SharedArrayBuffer;
  /** Float64 loss per rank. */
  losses: SharedArrayBuffer;
  /** Float64 [scale, floor] of the learning rates, the same for every rank (`setLearningRateScale`). */
  rates: SharedArrayBuffer;
}

const HEADER = 3;

/** One batch slot per rank, in shared memory. */
export class HogwildSlots {
  readonly handle: HogwildSlotsHandle;
  private readonly ints: Int32Array;
  private readonly losses: Float64Array;
  private readonly rates: Float64Array;
  private readonly stride: number;

  private constructor(handle: HogwildSlotsHandle) {
    this.handle = handle;
    this.ints = new Int32Array(handle.edges);
    this.losses = new Float64Array(handle.losses);
    this.rates = new Float64Array(handle.rates);
    this.stride = HEADER + 3 * handle.capacity;
  }

  /** Slots for `size` ranks of up to `capacity` edges each. */
  static create(size: number, capacity: number): HogwildSlots {
    const slots = new HogwildSlots({
      capacity,
      size,
      edges: new SharedArrayBuffer(size * (HEADER + 3 * capacity) * 4),
      losses: new SharedArrayBuffer(size * 8),
      rates: new SharedArrayBuffer(2 * 8),
    });
    slots.setLearningRateScale(1, 0);
    return slots;
  }

  static attach(handle: HogwildSlotsHandle): HogwildSlots {
    return new HogwildSlots(handle);
  }

  /** Copies edges [from, to) of `batch` into `rank`'s slot, with its RNG seed and update index. */
  write(rank: number, batch: EdgeBatch, from: number, to: number, seed: number, update: number) {
    const base = rank * this.stride;
    const capacity = this.handle.capacity;
    const n = to - from;
    this.ints[base] = n;
    this.ints[base + 1] = seed | 0;
    this.ints[base + 2] = update;
    const lhs = base + HEADER;
    this.ints.set(batch.lhs.subarray(from, to), lhs);
    this.ints.set(batch.rel.subarray(from, to), lhs + capacity);
    this.ints.set(batch.rhs.subarray(from, to), lhs + 2 * capacity);
  }

  /** `rank`'s batch (views on the slot), seed and update index. */
  read(rank: number): { batch: EdgeBatch; seed: number; update: number } {
    const base = rank * this.stride;
    const capacity = this.handle.capacity;
    const lhs = base + HEADER;
    const batch: EdgeBatch = {
      size: this.ints[base]!,
      lhs: this.ints.subarray(lhs, lhs + capacity),
      rel: this.ints.subarray(lhs + capacity, lhs + 2 * capacity),
      rhs: this.ints.subarray(lhs + 2 * capacity, lhs + 3 * capacity),
    };
    return { batch, seed: this.ints[base + 1]! >>> 0, update: this.ints[base + 2]! };
  }

  loss(rank: number): number {
    return this.losses[rank]!;
  }

  setLoss(rank: number, loss: number): void {
    this.losses[rank] = loss;
  }

  /** Sets the learning-rate scale and floor every worker applies from its next round. */
  setLearningRateScale(scale: number, floor: number): void {
    this.rates[0] = scale;
    this.rates[1] = floor;
  }

  /** The learning-rate scale and floor of this round. */
  learningRateScale(): { scale: number; floor: number } {
    return { scale: this.rates[0]!, floor: this.rates[1]! };
  }
}
