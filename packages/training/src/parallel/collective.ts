import { BackendError } from "@tml/core";

/**
 * What workers that train one model together need from each other: a barrier, and the sum of a
 * gradient buffer across them. Tables and weights shared in memory come from
 * `SharedFloat32Arrays`; a multi-machine implementation (over an existing collective library)
 * would replace this interface's shared-memory implementation and nothing else.
 */
export interface Collective {
  /** This worker's index, 0 ≤ rank < size. */
  readonly rank: number;
  /** Number of workers. */
  readonly size: number;
  /** Returns when every worker has called it. */
  barrier(): void;
  /**
   * Replaces `values` by its sum over the workers (each passes the same length). Every worker
   * gets the same result: the terms are added in rank order.
   */
  allReduceSum(values: Float32Array): void;
}

/** What another thread needs to join a `SharedMemoryCollective` (structured-cloneable). */
export interface SharedMemoryCollectiveHandle {
  size: number;
  /** Floats each worker may reduce at once. */
  capacity: number;
  control: SharedArrayBuffer;
  scratch: SharedArrayBuffer;
}

// control: [arrived, generation]
const ARRIVED = 0;
const GENERATION = 1;

/**
 * A `Collective` for the threads of one process: a barrier on two shared counters (Atomics.wait
 * and notify), and an all-reduce through a shared scratch of `size x capacity` floats. Blocking:
 * call it from worker threads, or from the main thread while the others run.
 */
export class SharedMemoryCollective implements Collective {
  readonly rank: number;
  readonly size: number;
  private readonly capacity: number;
  private readonly control: Int32Array;
  private readonly scratch: Float32Array;

  private constructor(handle: SharedMemoryCollectiveHandle, rank: number) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= handle.size) {
      throw new BackendError(`Collective rank ${rank} is outside 0..${handle.size - 1}.`);
    }
    this.rank = rank;
    this.size = handle.size;
    this.capacity = handle.capacity;
    this.control = new Int32Array(handle.control);
    this.scratch = new Float32Array(handle.scratch);
  }

  /** A new group of `size` workers able to reduce up to `capacity` floats; returns rank 0's end. */
  static create(size: number, capacity = 0): SharedMemoryCollective {
    if (!Number.isInteger(size) || size < 1) {
      throw new BackendError(`A collective needs at least one worker, got ${size}.`);
    }
    return new SharedMemoryCollective(
      {
        size,
        capacity,
        control: new SharedArrayBuffer(2 * 4),
        scratch: new SharedArrayBuffer(size * capacity * 4),
      },
      0,
    );
  }

  /** Joins the group of `handle` as `rank` (in another thread). */
  static attach(handle: SharedMemoryCollectiveHandle, rank: number): SharedMemoryCollective {
    return new SharedMemoryCollective(handle, rank);
  }

  /** The handle to pass to other threads. */
  get handle(): SharedMemoryCollectiveHandle {
    return {
      size: this.size,
      capacity: this.capacity,
      control: this.control.buffer as SharedArrayBuffer,
      scratch: this.scratch.buffer as SharedArrayBuffer,
    };
  }

  barrier(): void {
    if (this.size === 1) return;
    const control = this.control;
    const generation = Atomics.load(control, GENERATION);
    if (Atomics.add(control, ARRIVED, 1) === this.size - 1) {
      Atomics.store(control, ARRIVED, 0);
      Atomics.add(control, GENERATION, 1);
      Atomics.notify(control, GENERATION);
      return;
    }
    while (Atomics.load(control, GENERATION) === generation) {
      Atomics.wait(control, GENERATION, generation);
    }
  }

  allReduceSum(values: Float32Array): void {
    if (this.size === 1) return;
    const n = values.length;
    if (n > this.capacity) {
      throw new BackendError(
        `allReduceSum of ${n} floats exceeds the collective's capacity of ${this.capacity}.`,
      );
    }
    const scratch = this.scratch;
    const capacity = this.capacity;
    scratch.set(values, this.rank * capacity);
    this.barrier();
    values.set(scratch.subarray(0, n));
    for (let rank = 1; rank < this.size; rank++) {
      const offset = rank * capacity;
      for (let i = 0; i < n; i++) values[i]! += scratch[offset + i]!;
    }
    // Nobody may overwrite its slot before every worker has read all of them.
    this.barrier();
  }
}
