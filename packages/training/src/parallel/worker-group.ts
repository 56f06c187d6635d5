import { Worker } from "node:worker_threads";
import {
  BackendError,
  CheckpointError,
  ConfigError,
  DataError,
  NotFoundError,
  NumericError,
  TmlError,
  UsageError,
} from "@tml/core";

/** What a worker thread of a `WorkerGroup` receives as `workerData.group`. */
export interface WorkerGroupHandle {
  control: SharedArrayBuffer;
  errors: SharedArrayBuffer;
}

// Per worker: [round requested, round done, status of the last round].
const SLOTS = 3;
const REQUESTED = 0;
const DONE = 1;
const STATUS = 2;
const OK = 0;
const FAILED = 1;
const STOP = -1;
const ERROR_BYTES = 16_384;

// Node 20 has Atomics.waitAsync; the ES2022 lib this repo compiles against does not declare it.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** `workerData` of a group's worker: the group, its rank (1..), and the caller's data. */
export interface GroupWorkerData<T> {
  group: WorkerGroupHandle;
  rank: number;
  data: T;
}

type ErrorClass = new (
  message: string,
  options?: { details?: Record<string, unknown> },
) => TmlError;
const ERROR_CLASSES: Record<string, ErrorClass> = {
  ConfigError,
  UsageError,
  NotFoundError,
  DataError,
  CheckpointError,
  BackendError,
  NumericError,
};

function encodeError(error: unknown): Uint8Array {
  const record =
    error instanceof TmlError
      ? { name: error.name, message: error.message, details: error.details }
      : { name: "Error", message: error instanceof Error ? error.message : String(error) };
  const bytes = new TextEncoder().encode(JSON.stringify(record));
  return bytes.length <= ERROR_BYTES
    ? bytes
    : new TextEncoder().encode(
        JSON.stringify({ name: record.name, message: record.message.slice(0, 4000) }),
      );
}

function decodeError(bytes: Uint8Array, rank: number): Error {
  const end = bytes.indexOf(0);
  const text = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
  const record = JSON.parse(text) as {
    name: string;
    message: string;
    details?: Record<string, unknown>;
  };
  const Class = ERROR_CLASSES[record.name];
  const details = { ...record.details, worker: rank };
  if (Class) return new Class(record.message, { details });
  return new BackendError(`Worker ${rank} failed: ${record.message}`, { details });
}

/**
 * Threads that run rounds of work with the calling thread (rank 0): `dispatch` starts a round on
 * every worker, the caller does its own share, `wait` resolves when all have finished it. Workers
 * share memory with the caller (SharedArrayBuffers in their data) and block between rounds, so a
 * round costs a few microseconds of signalling. A worker's error (a TmlError keeps its class and
 * details) or a crashed worker rejects `wait`.
 */
export class WorkerGroup {
  /** Threads computing together, the caller included. */
  readonly size: number;
  private readonly control: Int32Array;
  private readonly errors: Uint8Array;
  private readonly workers: Worker[];
  private readonly failure: Promise<never>;
  private round = 0;
  private closed = false;

  private constructor(script: URL, size: number, data: (rank: number) => unknown) {
    this.size = size;
    this.control = new Int32Array(new SharedArrayBuffer(size * SLOTS * 4));
    this.errors = new Uint8Array(new SharedArrayBuffer(size * ERROR_BYTES));
    const group: WorkerGroupHandle = {
      control: this.control.buffer as SharedArrayBuffer,
      errors: this.errors.buffer as SharedArrayBuffer,
    };
    this.workers = [];
    let fail: (error: Error) => void = () => {};
    this.failure = new Promise<never>((_, reject) => {
      fail = reject;
    });
    this.failure.catch(() => {});
    for (let rank = 1; rank < size; rank++) {
      const workerData: GroupWorkerData<unknown> = { group, rank, data: data(rank) };
      const worker = new Worker(script, { workerData });
      worker.unref();
      worker.on("error", (error) =>
        fail(new BackendError(`Worker ${rank} crashed: ${error.message}`, { cause: error })),
      );
      worker.on("exit", (code) => {
        if (!this.closed) fail(new BackendError(`Worker ${rank} exited (code ${code}).`));
      });
      this.workers.push(worker);
    }
  }

  /** Starts `size - 1` workers running `script` (a module calling `serveRounds`). */
  static start(script: URL, size: number, data: (rank: number) => unknown): WorkerGroup {
    if (!Number.isInteger(size) || size < 1) {
      throw new BackendError(`A worker group needs at least one thread, got ${size}.`);
    }
    return new WorkerGroup(script, size, data);
  }

  /** Starts the next round on every worker. */
  dispatch(): void {
    if (this.closed) throw new BackendError("WorkerGroup.dispatch after close");
    this.round++;
    for (let rank = 1; rank < this.size; rank++) {
      Atomics.store(this.control, rank * SLOTS + REQUESTED, this.round);
      Atomics.notify(this.control, rank * SLOTS + REQUESTED);
    }
  }

  /** Resolves when every worker has finished the round; rejects with the first failure. */
  async wait(): Promise<void> {
    const control = this.control;
    for (let rank = 1; rank < this.size; rank++) {
      const done = rank * SLOTS + DONE;
      for (;;) {
        const seen = Atomics.load(control, done);
        if (seen === this.round) break;
        const waiting = waitAsync(control, done, seen);
        if (!waiting.async) continue;
        // A pending waitAsync does not keep Node's event loop alive; the (otherwise unref'd)
        // worker does while the caller waits for it.
        const worker = this.workers[rank - 1]!;
        worker.ref();
        try {
          await Promise.race([waiting.value, this.failure]);
        } finally {
          worker.unref();
        }
      }
      if (Atomics.load(control, rank * SLOTS + STATUS) === FAILED) {
        throw decodeError(this.errors.subarray(rank * ERROR_BYTES, (rank + 1) * ERROR_BYTES), rank);
      }
    }
  }

  /** Stops and terminates the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let rank = 1; rank < this.size; rank++) {
      Atomics.store(this.control, rank * SLOTS + REQUESTED, STOP);
      Atomics.notify(this.control, rank * SLOTS + REQUESTED);
    }
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * The worker side of a `WorkerGroup`: runs `work(round)` for every dispatched round until the group
 * closes (a round ends when `work`'s promise settles, if it returns one). An error thrown by `work`
 * is reported to the caller's `wait`, and the worker serves on. Resolves when the group closes.
 */
export async function serveRounds(
  group: WorkerGroupHandle,
  rank: number,
  work: (round: number) => void | Promise<void>,
): Promise<void> {
  const control = new Int32Array(group.control);
  const errors = new Uint8Array(group.errors, rank * ERROR_BYTES, ERROR_BYTES);
  const requested = rank * SLOTS + REQUESTED;
  let last = 0;
  for (;;) {
    Atomics.wait(control, requested, last);
    const round = Atomics.load(control, requested);
    if (round === STOP) return;
    if (round === last) continue;
    last = round;
    let status = OK;
    try {
      await work(round);
    } catch (error) {
      errors.fill(0);
      errors.set(encodeError(error));
      status = FAILED;
    }
    Atomics.store(control, rank * SLOTS + STATUS, status);
    Atomics.store(control, rank * SLOTS + DONE, round);
    Atomics.notify(control, rank * SLOTS + DONE);
  }
}
