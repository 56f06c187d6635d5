import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32c, maskedCrc32c } from "@tml/core";
import { describe, expect, it } from "vitest";
import { encodeEvent, TensorBoardWriter, tensorBoardCallbacks } from "./tensorboard.js";

// An independent decoder: TFRecord frames, then the Event / Summary / Value protobuf fields.
interface Decoded {
  wallTime?: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simpleValue: number }[];
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at.pos++] as number;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
}

function fields(bytes: Uint8Array): { field: number; wire: number; value: Uint8Array | number }[] {
  const out: { field: number; wire: number; value: Uint8Array | number }[] = [];
  const at = { pos: 0 };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (at.pos < bytes.length) {
    const tag = readVarint(bytes, at);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) out.push({ field, wire, value: readVarint(bytes, at) });
    else if (wire === 1) {
      out.push({ field, wire, value: view.getFloat64(at.pos, true) });
      at.pos += 8;
    } else if (wire === 5) {
      out.push({ field, wire, value: view.getFloat32(at.pos, true) });
      at.pos += 4;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      out.push({ field, wire, value: bytes.subarray(at.pos, at.pos + length) });
      at.pos += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

function decodeEvent(payload: Uint8Array): Decoded {
  const event: Decoded = { step: 0, values: [] };
  for (const { field, wire, value } of fields(payload)) {
    if (field === 1 && wire === 1) event.wallTime = value as number;
    else if (field === 2 && wire === 0) event.step = value as number;
    else if (field === 3 && wire === 2)
      event.fileVersion = new TextDecoder().decode(value as Uint8Array);
    else if (field === 5 && wire === 2) {
      for (const entry of fields(value as Uint8Array)) {
        expect(entry.field).toBe(1);
        let tag = "";
        let simpleValue = Number.NaN;
        for (const inner of fields(entry.value as Uint8Array)) {
          if (inner.field === 1) tag = new TextDecoder().decode(inner.value as Uint8Array);
          if (inner.field === 2 && inner.wire === 5) simpleValue = inner.value as number;
        }
        event.values.push({ tag, simpleValue });
      }
    } else throw new Error(`unexpected Event field ${field}/${wire}`);
  }
  return event;
}

function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const length = view.getUint32(pos, true);
    expect(view.getUint32(pos + 4, true)).toBe(0);
    expect(view.getUint32(pos + 8, true)).toBe(maskedCrc32c(bytes.subarray(pos, pos + 8)));
    const payload = bytes.subarray(pos + 12, pos + 12 + length);
    expect(view.getUint32(pos + 12 + length, true)).toBe(maskedCrc32c(payload));
    records.push(payload);
    pos += 16 + length;
  }
  return records;
}

describe("CRC-32C", () => {
  it("matches the published check values", () => {
    // RFC 3720 B.4 and the standard "123456789" check value of CRC-32C.
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it("masks as TFRecord does: rotr 15 plus 0xa282ead8", () => {
    const crc = 0xe3069283;
    const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
    expect(maskedCrc32c(new TextEncoder().encode("123456789"))).toBe(
      (rotated + 0xa282ead8) % 2 ** 32,
    );
  });
});

describe("TensorBoard event files", () => {
  it("encodes a scalar event with hand-checked bytes", () => {
    const bytes = encodeEvent({ wallTime: 1, step: 3, scalars: { a: 0.5 } });
    // 09 <double 1.0> | 10 03 | 2a 0a (Summary, 10 bytes) 0a 08 (Value, 8 bytes) 0a 01 'a' 15 <float 0.5>
    expect(Array.from(bytes)).toEqual([
      0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x03, 0x2a, 0x0a, 0x0a, 0x08, 0x0a, 0x01, 0x61,
      0x15, 0, 0, 0, 0x3f,
    ]);
  });

  it("writes file_version first, then scalar summaries, field by field", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-tb-"));
    const writer = new TensorBoardWriter(dir, { wallTime: 1700000000.25, host: "box" });
    writer.addScalars(10, { "train/loss": 0.75, "eval/auroc": 0.625 }, 1700000001.5);
    writer.addScalars(20, { "train/loss": Number.NaN });
    writer.addScalars(300, { "train/loss": 0.5 }, 1700000002);
    writer.close();
    expect(readdirSync(dir)).toEqual(["events.out.tfevents.1700000000.box"]);
    const events = readRecords(readFileSync(writer.path)).map(decodeEvent);
    expect(events).toEqual([
      { wallTime: 1700000000.25, step: 0, fileVersion: "brain.Event:2", values: [] },
      {
        wallTime: 1700000001.5,
        step: 10,
        values: [
          { tag: "train/loss", simpleValue: 0.75 },
          { tag: "eval/auroc", simpleValue: 0.625 },
        ],
      },
      { wallTime: 1700000002, step: 300, values: [{ tag: "train/loss", simpleValue: 0.5 }] },
    ]);
  });

  it("logs the task's weight statistics under weights/", () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-tb-"));
    const writer = new TensorBoardWriter(dir, { wallTime: 1700000000, host: "box" });
    const callbacks = tensorBoardCallbacks(writer);
    callbacks.onLog?.({
      step: 4,
      loss: 0.5,
      stepsPerSecond: 1,
      examplesPerSecond: 2,
      walltimeS: 1,
      metrics: {},
      weights: { "model/max_row_norm/user": 1.5 },
    });
    writer.close();
    const events = readRecords(readFileSync(writer.path)).map(decodeEvent);
    expect(events[1]?.values).toEqual([
      { tag: "train/loss", simpleValue: 0.5 },
      { tag: "train/examples_per_second", simpleValue: 2 },
      { tag: "weights/model/max_row_norm/user", simpleValue: 1.5 },
    ]);
  });
});
