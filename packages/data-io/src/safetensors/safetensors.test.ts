import { DataError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "./safetensors.js";

/** A safetensors file assembled by hand: header JSON (unpadded) followed by the given data bytes. */
function handFile(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  it("reads hand-written F32, F16, BF16 and I64 tensors", () => {
    const bytes = handFile(
      {
        __metadata__: { format: "pt" },
        w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        h: { dtype: "F16", shape: [4], data_offsets: [8, 16] },
        b: { dtype: "BF16", shape: [2], data_offsets: [16, 20] },
        n: { dtype: "I64", shape: [], data_offsets: [20, 28] },
      },
      [
        ...[0x00, 0x00, 0xc0, 0x3f], // 1.5
        ...[0x00, 0x00, 0x20, 0xc1], // −10
        ...[0x00, 0x3c], // F16 1
        ...[0x00, 0xc0], // F16 −2
        ...[0xff, 0x7b], // F16 65504
        ...[0x01, 0x00], // F16 2^-24
        ...[0x80, 0x3f], // BF16 1
        ...[0x49, 0x40], // BF16 3.140625
        ...[7, 0, 0, 0, 0, 0, 0, 0], // I64 7
      ],
    );
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ format: "pt" });
    expect([...file.tensors.keys()]).toEqual(["w", "h", "b", "n"]);
    expect([...(file.tensors.get("w")?.values ?? [])]).toEqual([1.5, -10]);
    expect([...(file.tensors.get("h")?.values ?? [])]).toEqual([1, -2, 65504, 2 ** -24]);
    expect([...(file.tensors.get("b")?.values ?? [])]).toEqual([1, 3.140625]);
    expect(file.tensors.get("n")?.shape).toEqual([]);
    expect(file.tensors.get("n")?.values).toEqual(new BigInt64Array([7n]));
  });

  it("round-trips through the writer with an 8-byte aligned header", () => {
    const tensors: [
      string,
      Parameters<typeof writeSafetensors>[0] extends Iterable<[string, infer T]> ? T : never,
    ][] = [
      ["a.weight", { dtype: "F32", shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      [
        "a.half",
        { dtype: "F16", shape: [3], values: Float32Array.from([0.5, -0.25, 1 + 2 ** -10]) },
      ],
      ["a.brain", { dtype: "BF16", shape: [1], values: Float32Array.from([-2.5]) }],
      ["a.count", { dtype: "I64", shape: [], values: new BigInt64Array([123456789012n]) }],
    ];
    const bytes = writeSafetensors(tensors, { source: "test" });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual({ source: "test" });
    for (const [name, tensor] of tensors) {
      expect(file.tensors.get(name)?.dtype).toBe(tensor.dtype);
      expect(file.tensors.get(name)?.shape).toEqual(tensor.shape);
      expect(file.tensors.get(name)?.values).toEqual(tensor.values);
    }
  });

  it("rejects offsets that do not fit the data", () => {
    const bad = handFile(
      { w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } },
      new Array(8).fill(0),
    );
    expect(() => readSafetensors(bad, "bad.safetensors")).toThrow(DataError);
    expect(() => readSafetensors(bad, "bad.safetensors")).toThrow(/bad.safetensors.*"w"/);
    const outside = handFile(
      { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } },
      new Array(8).fill(0),
    );
    expect(() => readSafetensors(outside)).toThrow(/do not fit/);
  });
});
