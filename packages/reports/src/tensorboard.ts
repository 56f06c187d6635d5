import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { TrainingCallbacks } from "@tml/core";
import { environmentError, maskedCrc32c } from "@tml/core";

/** One TFRecord frame: uint64 length, masked CRC of the length, payload, masked CRC of payload. */
function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, 0, true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

/** Minimal protobuf writer: the four field kinds Event and Summary use. */
class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(value: number): void {
    // Non-negative integers below 2^53 (steps, lengths, tags).
    let v = value;
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, 1);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.parts.push(...bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.parts.push(...bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array | string): this {
    const data = typeof value === "string" ? new TextEncoder().encode(value) : value;
    this.tag(field, 2);
    this.varint(data.length);
    for (const byte of data) this.parts.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/**
 * A serialized `tensorflow.Event`: wall_time (1, double seconds), step (2, int64), then either
 * file_version (3, string) or summary (5, Summary { repeated Value value = 1 }, Value { tag = 1,
 * simple_value = 2 (float) }).
 */
export function encodeEvent(
  event:
    | { wallTime: number; step: number; fileVersion: string }
    | { wallTime: number; step: number; scalars: Readonly<Record<string, number>> },
): Uint8Array {
  const writer = new ProtoWriter().double(1, event.wallTime);
  if (event.step > 0) writer.uint(2, event.step);
  if ("fileVersion" in event) return writer.bytes(3, event.fileVersion).finish();
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(event.scalars))
    summary.bytes(1, new ProtoWriter().bytes(1, tag).float(2, value).finish());
  return writer.bytes(5, summary.finish()).finish();
}

/**
 * Writes a TensorBoard event file `<logdir>/events.out.tfevents.<seconds>.<host>`: the
 * `brain.Event:2` file-version record first, then one record per step with its scalar summaries.
 * Records are appended and flushed as they come, so `tensorboard --logdir` shows a live run and a
 * killed run loses nothing already written. A resumed run opens a new file; TensorBoard merges them.
 */
export class TensorBoardWriter {
  /** Path of the event file. */
  readonly path: string;
  private fd: number | undefined;

  constructor(logdir: string, options: { wallTime?: number; host?: string } = {}) {
    mkdirSync(logdir, { recursive: true });
    const wallTime = options.wallTime ?? Date.now() / 1000;
    const host = (options.host ?? hostname()).replace(/[^\w.-]/g, "_");
    this.path = join(logdir, `events.out.tfevents.${Math.floor(wallTime)}.${host}`);
    this.fd = openSync(this.path, "a");
    this.write(encodeEvent({ wallTime, step: 0, fileVersion: "brain.Event:2" }));
  }

  private write(payload: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`TensorBoard writer for ${this.path} is closed`);
    try {
      appendFileSync(this.fd, frame(payload));
    } catch (error) {
      // Written through a file descriptor: the system error does not name the file.
      throw environmentError(error, this.path) ?? error;
    }
  }

  /** Writes scalars (`{ "loss": 0.3, "eval/auroc": 0.8 }`) at `step`; non-finite values are skipped. */
  addScalars(step: number, scalars: Readonly<Record<string, number>>, wallTime?: number): void {
    const finite = Object.fromEntries(
      Object.entries(scalars).filter(([, value]) => Number.isFinite(value)),
    );
    if (Object.keys(finite).length === 0) return;
    this.write(encodeEvent({ wallTime: wallTime ?? Date.now() / 1000, step, scalars: finite }));
  }

  /** Flushes to disk and closes the file (idempotent). */
  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Training-loop callbacks that log `train/loss`, throughput, the step's extra metrics, the task's
 * weight statistics (`weights/<name>`: layer and embedding-table norms) and every evaluation metric
 * (`eval/<name>`) to a TensorBoard event file, closing it when the run ends.
 */
export function tensorBoardCallbacks(writer: TensorBoardWriter): TrainingCallbacks {
  return {
    onLog(event) {
      const scalars: Record<string, number> = {
        "train/loss": event.loss,
        "train/examples_per_second": event.examplesPerSecond,
      };
      if (event.dataWaitFraction !== undefined)
        scalars["train/data_wait_fraction"] = event.dataWaitFraction;
      for (const [name, value] of Object.entries(event.metrics)) scalars[`train/${name}`] = value;
      for (const [name, value] of Object.entries(event.weights ?? {}))
        scalars[`weights/${name}`] = value;
      writer.addScalars(event.step, scalars);
    },
    onEval(event) {
      const scalars: Record<string, number> = {};
      for (const [name, value] of Object.entries(event.metrics)) scalars[`eval/${name}`] = value;
      writer.addScalars(event.step, scalars);
    },
    onEnd() {
      writer.close();
    },
  };
}
