import { BackendError } from "@tml/core";

/**
 * Allocates one float32 state array (a table, an optimizer slot) of `length` values, filled with
 * `fill` when the array is new. Model and optimizer constructors take one, so the same code builds
 * private state (`heapFloat32`) or state shared between threads (`SharedFloat32Arrays`).
 */
export type Float32Allocator = (length: number, fill?: number) => Float32Array;

/** Private arrays on this thread's heap. */
export const heapFloat32: Float32Allocator = (length, fill = 0) => {
  const array = new Float32Array(length);
  if (fill !== 0) array.fill(fill);
  return array;
};

/**
 * Float32 arrays in shared memory, visible to every worker thread. The first thread creates them
 * (`create`): its `allocate` makes and records each array. Another thread builds the same model
 * from the recorded `buffers` (`attach`): its `allocate` hands back the shared arrays in the same
 * order, untouched (no fill: the creator initialised them, or a checkpoint restored them).
 */
export class SharedFloat32Arrays {
  private readonly recorded: SharedArrayBuffer[];
  private readonly replaying: boolean;
  private next = 0;

  private constructor(buffers: SharedArrayBuffer[], replaying: boolean) {
    this.recorded = buffers;
    this.replaying = replaying;
  }

  /** A recorder: `allocate` creates shared arrays. */
  static create(): SharedFloat32Arrays {
    return new SharedFloat32Arrays([], false);
  }

  /** A replayer over another thread's `buffers`: `allocate` returns them in order. */
  static attach(buffers: readonly SharedArrayBuffer[]): SharedFloat32Arrays {
    return new SharedFloat32Arrays([...buffers], true);
  }

  /** The shared buffers, in allocation order (hand them to `attach` in another thread). */
  get buffers(): readonly SharedArrayBuffer[] {
    return this.recorded;
  }

  /** The allocator: bound, so it can be passed around. */
  readonly allocate: Float32Allocator = (length, fill = 0) => {
    if (!this.replaying) {
      const array = new Float32Array(new SharedArrayBuffer(length * 4));
      if (fill !== 0) array.fill(fill);
      this.recorded.push(array.buffer as SharedArrayBuffer);
      return array;
    }
    const buffer = this.recorded[this.next];
    if (buffer === undefined || buffer.byteLength !== length * 4) {
      throw new BackendError(
        `Shared state array ${this.next} is ${buffer === undefined ? "missing" : `${buffer.byteLength / 4} floats`}, the model asks for ${length}: the threads built different models.`,
        { details: { index: this.next, expected: length } },
      );
    }
    this.next++;
    return new Float32Array(buffer);
  };
}
