/** A malformed Thrift structure (a corrupt Parquet footer); callers add the file name. */
export class ThriftError extends Error {}

/** Thrift compact-protocol type codes. */
export const ThriftType = {
  STOP: 0,
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

/** A decoded value: integers as bigint (i64) or number, binaries as bytes, containers as trees. */
export type ThriftValue =
  | boolean
  | number
  | bigint
  | Uint8Array
  | ThriftList
  | ThriftMap
  | ThriftStruct;
export interface ThriftField {
  id: number;
  type: number;
  value: ThriftValue;
}
/** A struct as its fields in wire order (unknown fields are kept, so re-encoding is lossless). */
export interface ThriftStruct {
  fields: ThriftField[];
}
export interface ThriftList {
  elementType: number;
  items: ThriftValue[];
}
export interface ThriftMap {
  keyType: number;
  valueType: number;
  entries: [ThriftValue, ThriftValue][];
}

const MAX_DEPTH = 64;

/** Decodes a compact-protocol struct from `bytes[start, end)`; every read is bounds-checked. */
export function decodeThriftStruct(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
): { value: ThriftStruct; end: number } {
  const reader = { bytes, position: start, end };
  const value = readStruct(reader, 0);
  return { value, end: reader.position };
}

interface Reader {
  bytes: Uint8Array;
  position: number;
  end: number;
}

function byte(reader: Reader): number {
  if (reader.position >= reader.end) throw new ThriftError("footer ends inside a value");
  return reader.bytes[reader.position++]!;
}

function varint(reader: Reader): bigint {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    const next = byte(reader);
    result |= BigInt(next & 0x7f) << shift;
    if (next < 0x80) return result;
  }
  throw new ThriftError("varint longer than 10 bytes");
}

function zigzag(value: bigint): bigint {
  return (value >> 1n) ^ -(value & 1n);
}

function smallInt(reader: Reader): number {
  const value = Number(zigzag(varint(reader)));
  if (!Number.isSafeInteger(value)) throw new ThriftError("integer out of range");
  return value;
}

function size(reader: Reader, value: bigint): number {
  if (value > BigInt(reader.end - reader.position))
    throw new ThriftError("container larger than the footer");
  return Number(value);
}

function readValue(reader: Reader, type: number, depth: number): ThriftValue {
  switch (type) {
    case ThriftType.TRUE:
      return true;
    case ThriftType.FALSE:
      return false;
    case ThriftType.BYTE:
      return (byte(reader) << 24) >> 24;
    case ThriftType.I16:
    case ThriftType.I32:
      return smallInt(reader);
    case ThriftType.I64:
      return BigInt.asIntN(64, zigzag(varint(reader)));
    case ThriftType.DOUBLE: {
      if (reader.position + 8 > reader.end) throw new ThriftError("footer ends inside a double");
      const value = new DataView(
        reader.bytes.buffer,
        reader.bytes.byteOffset + reader.position,
        8,
      ).getFloat64(0, true);
      reader.position += 8;
      return value;
    }
    case ThriftType.BINARY: {
      const length = size(reader, varint(reader));
      const value = reader.bytes.subarray(reader.position, reader.position + length);
      reader.position += length;
      return value;
    }
    case ThriftType.LIST:
    case ThriftType.SET: {
      const header = byte(reader);
      const elementType = header & 0x0f;
      const count = header >> 4 === 15 ? size(reader, varint(reader)) : header >> 4;
      const items: ThriftValue[] = [];
      for (let index = 0; index < count; index++) {
        // Booleans inside containers take one byte: 1 = true, anything else false.
        items.push(
          elementType === ThriftType.TRUE || elementType === ThriftType.FALSE
            ? byte(reader) === 1
            : readValue(reader, elementType, depth + 1),
        );
      }
      return { elementType, items };
    }
    case ThriftType.MAP: {
      const count = size(reader, varint(reader));
      if (count === 0) return { keyType: 0, valueType: 0, entries: [] };
      const types = byte(reader);
      const map: ThriftMap = { keyType: types >> 4, valueType: types & 0x0f, entries: [] };
      for (let index = 0; index < count; index++) {
        map.entries.push([
          readValue(reader, map.keyType, depth + 1),
          readValue(reader, map.valueType, depth + 1),
        ]);
      }
      return map;
    }
    case ThriftType.STRUCT:
      return readStruct(reader, depth + 1);
    default:
      throw new ThriftError(`unknown type code ${type}`);
  }
}

function readStruct(reader: Reader, depth: number): ThriftStruct {
  if (depth > MAX_DEPTH) throw new ThriftError("structures nested too deeply");
  const fields: ThriftField[] = [];
  let lastId = 0;
  for (;;) {
    const header = byte(reader);
    if (header === ThriftType.STOP) return { fields };
    const type = header & 0x0f;
    const delta = header >> 4;
    const id = delta === 0 ? smallInt(reader) : lastId + delta;
    lastId = id;
    fields.push({ id, type, value: readValue(reader, type, depth) });
  }
}

/** Encodes a struct in the compact protocol. */
export function encodeThriftStruct(struct: ThriftStruct): Uint8Array {
  const out: number[] = [];
  writeStruct(out, struct);
  return Uint8Array.from(out);
}

function writeVarint(out: number[], value: bigint): void {
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
}

function writeZigzag(out: number[], value: bigint): void {
  writeVarint(out, (value << 1n) ^ (value >> 63n));
}

function writeValue(out: number[], type: number, value: ThriftValue): void {
  switch (type) {
    case ThriftType.TRUE:
    case ThriftType.FALSE:
      return;
    case ThriftType.BYTE:
      out.push((value as number) & 0xff);
      return;
    case ThriftType.I16:
    case ThriftType.I32:
      writeZigzag(out, BigInt(value as number));
      return;
    case ThriftType.I64:
      writeZigzag(out, value as bigint);
      return;
    case ThriftType.DOUBLE: {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value as number, true);
      out.push(...bytes);
      return;
    }
    case ThriftType.BINARY: {
      const bytes = value as Uint8Array;
      writeVarint(out, BigInt(bytes.length));
      for (const item of bytes) out.push(item);
      return;
    }
    case ThriftType.LIST:
    case ThriftType.SET: {
      const list = value as ThriftList;
      const count = list.items.length;
      if (count < 15) out.push((count << 4) | list.elementType);
      else {
        out.push(0xf0 | list.elementType);
        writeVarint(out, BigInt(count));
      }
      const isBool = list.elementType === ThriftType.TRUE || list.elementType === ThriftType.FALSE;
      for (const item of list.items) {
        if (isBool) out.push(item ? 1 : 2);
        else writeValue(out, list.elementType, item);
      }
      return;
    }
    case ThriftType.MAP: {
      const map = value as ThriftMap;
      writeVarint(out, BigInt(map.entries.length));
      if (map.entries.length === 0) return;
      out.push((map.keyType << 4) | map.valueType);
      for (const [key, entry] of map.entries) {
        writeValue(out, map.keyType, key);
        writeValue(out, map.valueType, entry);
      }
      return;
    }
    default:
      writeStruct(out, value as ThriftStruct);
  }
}

function writeStruct(out: number[], struct: ThriftStruct): void {
  let lastId = 0;
  for (const field of struct.fields) {
    const type =
      field.type === ThriftType.TRUE || field.type === ThriftType.FALSE
        ? field.value
          ? ThriftType.TRUE
          : ThriftType.FALSE
        : field.type;
    const delta = field.id - lastId;
    if (delta > 0 && delta <= 15) out.push((delta << 4) | type);
    else {
      out.push(type);
      writeZigzag(out, BigInt(field.id));
    }
    lastId = field.id;
    writeValue(out, type, field.value);
  }
  out.push(ThriftType.STOP);
}
