import { describe, expect, it } from "vitest";
import {
  decodeThriftStruct,
  encodeThriftStruct,
  ThriftError,
  ThriftType,
} from "./thrift-compact.js";

const hex = (text: string) =>
  Uint8Array.from(text.split(" ").map((byte) => Number.parseInt(byte, 16)));

// Worked by hand: {1: i32 5, 2: binary "ab", 4: list<i64> [1, -1], 20: bool true}
// 15 0a (delta 1, i32, zigzag 10) · 18 02 61 62 · 29 26 02 01 (delta 2, list of 2 i64) ·
// 01 28 (long form: bool true, id zigzag 40) · 00 stop.
const BYTES = hex("15 0a 18 02 61 62 29 26 02 01 01 28 00");

describe("Thrift compact protocol", () => {
  it("decodes hand-assembled bytes", () => {
    const { value, end } = decodeThriftStruct(BYTES);
    expect(end).toBe(BYTES.length);
    expect(value.fields.map((field) => [field.id, field.type])).toEqual([
      [1, ThriftType.I32],
      [2, ThriftType.BINARY],
      [4, ThriftType.LIST],
      [20, ThriftType.TRUE],
    ]);
    expect(value.fields[0]!.value).toBe(5);
    expect([...(value.fields[1]!.value as Uint8Array)]).toEqual([0x61, 0x62]);
    expect(value.fields[2]!.value).toEqual({ elementType: ThriftType.I64, items: [1n, -1n] });
    expect(value.fields[3]!.value).toBe(true);
  });

  it("re-encodes to the same bytes, including long lists, maps, doubles and nested structs", () => {
    expect(encodeThriftStruct(decodeThriftStruct(BYTES).value)).toEqual(BYTES);
    const rich = {
      fields: [
        {
          id: 1,
          type: ThriftType.LIST,
          value: {
            elementType: ThriftType.I32,
            items: Array.from({ length: 40 }, (_, i) => i - 20),
          },
        },
        { id: 3, type: ThriftType.DOUBLE, value: -2.5 },
        { id: 4, type: ThriftType.I64, value: -(2n ** 62n) },
        {
          id: 5,
          type: ThriftType.MAP,
          value: {
            keyType: ThriftType.BINARY,
            valueType: ThriftType.I16,
            entries: [[Uint8Array.of(1), 7]],
          },
        },
        {
          id: 6,
          type: ThriftType.STRUCT,
          value: { fields: [{ id: 2, type: ThriftType.FALSE, value: false }] },
        },
        {
          id: 7,
          type: ThriftType.LIST,
          value: { elementType: ThriftType.TRUE, items: [true, false] },
        },
      ],
    };
    const encoded = encodeThriftStruct(rich as never);
    expect(decodeThriftStruct(encoded).value).toEqual(rich);
  });

  it("rejects truncated and oversized input", () => {
    for (let cut = 0; cut < BYTES.length; cut++) {
      expect(() => decodeThriftStruct(BYTES.subarray(0, cut))).toThrow(ThriftError);
    }
    // A binary claiming 1000 bytes in a 5-byte buffer.
    expect(() => decodeThriftStruct(hex("18 e8 07 61 62"))).toThrow(/larger than the footer/);
  });
});
