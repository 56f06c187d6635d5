import { describe, expect, it } from "vitest";
import {
  countValues,
  encodeExample,
  indexExample,
  readBytesValues,
  readFloatValues,
  readInt64Values,
} from "./example-proto.js";
import { WireFormatError } from "./protobuf-wire.js";

const hex = (text: string) =>
  Uint8Array.from(text.split(" ").map((byte) => Number.parseInt(byte, 16)));

function int64s(bytes: Uint8Array, name: string): bigint[] {
  const ref = indexExample(bytes).get(name)!;
  const values = new BigInt64Array(countValues(bytes, ref));
  readInt64Values(bytes, ref, new Int32Array(values.buffer), 0);
  return [...values];
}

function floats(bytes: Uint8Array, name: string): number[] {
  const ref = indexExample(bytes).get(name)!;
  const values = new Float32Array(countValues(bytes, ref));
  readFloatValues(bytes, ref, values, 0);
  return [...values];
}

describe("tf.train.Example wire format", () => {
  it("decodes hand-assembled bytes (packed int64, packed and unpacked float)", () => {
    // Example{features{feature{key:"a" value{int64_list{value:[1]}}}}}, worked out by hand:
    // Int64List 0a 01 01, Feature 1a 03 …, entry 0a 01 61 12 05 …, Features 0a 0a …, Example 0a 0c ….
    const example = hex("0a 0c 0a 0a 0a 01 61 12 05 1a 03 0a 01 01");
    expect(int64s(example, "a")).toEqual([1n]);
    // float_list{value:[1.5, -2]} packed: 0a 08 0000c03f 000000c0; unpacked: 0d 0000c03f 0d 000000c0.
    const packed = hex("0a 13 0a 11 0a 01 66 12 0c 12 0a 0a 08 00 00 c0 3f 00 00 00 c0");
    expect(floats(packed, "f")).toEqual([1.5, -2]);
    const unpacked = hex("0a 13 0a 11 0a 01 66 12 0c 12 0a 0d 00 00 c0 3f 0d 00 00 00 c0");
    expect(floats(unpacked, "f")).toEqual([1.5, -2]);
  });

  it("round-trips int64 extremes, floats and bytes, packed and unpacked", () => {
    const ints = [
      0n,
      1n,
      -1n,
      127n,
      128n,
      2n ** 31n,
      -(2n ** 31n),
      2n ** 62n + 5n,
      -(2n ** 63n),
      2n ** 63n - 1n,
    ];
    for (const packed of [true, false]) {
      const bytes = encodeExample(
        {
          ids: { kind: "int64_list", values: ints },
          x: { kind: "float_list", values: [0.25, -3, 1e-8] },
          empty: { kind: "float_list", values: [] },
          raw: { kind: "bytes_list", values: [hex("01 02"), new Uint8Array(0)] },
        },
        { packed },
      );
      expect(int64s(bytes, "ids")).toEqual(ints);
      expect(floats(bytes, "x")).toEqual([0.25, -3, Math.fround(1e-8)]);
      expect(floats(bytes, "empty")).toEqual([]);
      const raw = indexExample(bytes).get("raw")!;
      expect(readBytesValues(bytes, raw).map((value) => [...value])).toEqual([[1, 2], []]);
      expect(indexExample(bytes).get("raw")!.kind).toBe("bytes_list");
    }
  });

  it("skips unknown fields and rejects truncated or malformed bytes", () => {
    // An unknown varint field 2 (10 01) before features.
    const withUnknown = hex("10 01 0a 0c 0a 0a 0a 01 61 12 05 1a 03 0a 01 01");
    expect(int64s(withUnknown, "a")).toEqual([1n]);
    const full = hex("0a 0c 0a 0a 0a 01 61 12 05 1a 03 0a 01 01");
    for (let cut = 1; cut < full.length; cut++) {
      expect(() => {
        const index = indexExample(full.subarray(0, cut));
        for (const ref of index.values()) countValues(full, ref);
      }).toThrow(WireFormatError);
    }
    expect(() => indexExample(hex("0b"))).toThrow(/wire type 3/);
  });
});
