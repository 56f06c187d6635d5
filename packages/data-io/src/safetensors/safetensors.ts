import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
  DataError,
  decodeHalfPrecision,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  NotFoundError,
} from "@tml/core";

/** Element types of the safetensors format this reader/writer handles. */
export type SafetensorsDtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U8"
  | "BOOL";

/** One tensor: float dtypes decode to Float32Array, I64 to BigInt64Array, other ints to Int32Array. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly values: Float32Array | BigInt64Array | Int32Array;
}

/** A parsed safetensors file: tensors by name (header order) and the `__metadata__` strings. */
export interface SafetensorsFile {
  readonly tensors: Map<string, SafetensorsTensor>;
  readonly metadata: Record<string, string>;
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

function decode(
  dtype: SafetensorsDtype,
  view: DataView,
  count: number,
): SafetensorsTensor["values"] {
  switch (dtype) {
    case "I64": {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case "I32":
    case "I16":
    case "I8":
    case "U8":
    case "BOOL": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        out[i] =
          dtype === "I32"
            ? view.getInt32(i * 4, true)
            : dtype === "I16"
              ? view.getInt16(i * 2, true)
              : dtype === "I8"
                ? view.getInt8(i)
                : view.getUint8(i);
      }
      return out;
    }
    default: {
      const out = new Float32Array(count);
      if (dtype === "F32" || dtype === "F64") {
        for (let i = 0; i < count; i++) {
          out[i] = dtype === "F32" ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
        }
        return out;
      }
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true);
      decodeHalfPrecision(dtype === "F16" ? "fp16" : "bf16", bits, 0, out, 0, count);
      return out;
    }
  }
}

/** One header entry, checked: `begin`/`end` are byte offsets into the data after the header. */
interface HeaderEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A parsed header: entries by name (file order), metadata, and where the data section starts. */
interface SafetensorsHeader {
  readonly entries: Map<string, HeaderEntry>;
  readonly metadata: Record<string, string>;
  readonly dataStart: number;
}

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0;

/**
 * Reads the header from `prefix` (the file's first bytes: at least 8, and the whole header to
 * be parsed) and checks every entry against `fileLength`. Returns the header length needed when
 * `prefix` is too short for it.
 */
function parseHeader(
  prefix: Uint8Array,
  fileLength: number,
  source: string,
): SafetensorsHeader | { needed: number } {
  if (fileLength < 8) throw new DataError(`${source}: too short for a safetensors file`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > fileLength) {
    throw new DataError(
      `${source}: header length ${headerLength} exceeds the file (${fileLength} bytes)`,
    );
  }
  if (prefix.length < 8 + headerLength) return { needed: 8 + headerLength };
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(prefix.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new DataError(`${source}: the safetensors header is not JSON`, { cause });
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new DataError(`${source}: the safetensors header is not a JSON object`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  const entries = new Map<string, HeaderEntry>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as Record<string, unknown>;
    if (typeof dtype !== "string" || !Object.hasOwn(ITEM_SIZE, dtype)) {
      throw new DataError(`${source}: tensor "${name}" has unsupported dtype ${String(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new DataError(`${source}: tensor "${name}" has no valid shape`);
    }
    const itemSize = ITEM_SIZE[dtype as SafetensorsDtype];
    const count = shape.reduce((product: number, size: number) => product * size, 1);
    const [begin, end] = Array.isArray(offsets) ? offsets : [];
    if (
      !(isCount(begin) && isCount(end) && end >= begin && end <= dataLength) ||
      end - begin !== count * itemSize
    ) {
      throw new DataError(
        `${source}: tensor "${name}" (${dtype} [${shape.join(", ")}]) has data_offsets [${String(begin)}, ${String(end)}] that do not fit ${count * itemSize} bytes in ${dataLength}`,
      );
    }
    entries.set(name, { dtype: dtype as SafetensorsDtype, shape: [...shape], begin, end });
  }
  return {
    entries,
    metadata: (header["__metadata__"] as Record<string, string> | undefined) ?? {},
    dataStart,
  };
}

/**
 * Parses a safetensors file: u64 little-endian header length, a JSON header of
 * `{name: {dtype, shape, data_offsets: [begin, end]}}` (offsets into the data after the header)
 * plus optional `__metadata__`, then raw little-endian data. `source` names the file in errors;
 * a malformed file is a DataError.
 */
export function readSafetensors(bytes: Uint8Array, source = "<safetensors>"): SafetensorsFile {
  const header = parseHeader(bytes, bytes.length, source);
  if ("needed" in header) throw new DataError(`${source}: the safetensors header is cut short`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, { dtype, shape, begin, end }] of header.entries) {
    const count = shape.reduce((product, size) => product * size, 1);
    const tensorView = new DataView(
      bytes.buffer,
      bytes.byteOffset + header.dataStart + begin,
      end - begin,
    );
    tensors.set(name, { dtype, shape, values: decode(dtype, tensorView, count) });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Reads one tensor of a safetensors file by name, reading only the header and that tensor's
 * bytes (tables of gigabytes need not fit twice in memory). A missing name is a DataError that
 * lists the names the file holds; a file that cannot be opened is a NotFoundError.
 */
export function readSafetensorsTensor(path: string, name: string): SafetensorsTensor {
  let descriptor: number;
  try {
    descriptor = openSync(path, "r");
  } catch (cause) {
    throw new NotFoundError(`safetensors file ${path} cannot be read; check the path`, { cause });
  }
  try {
    const fileLength = fstatSync(descriptor).size;
    const readAt = (position: number, length: number): Uint8Array => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const got = readSync(descriptor, out, done, length - done, position + done);
        if (got === 0) throw new DataError(`${path}: the file ended early`);
        done += got;
      }
      return out;
    };
    const first = parseHeader(readAt(0, Math.min(8, fileLength)), fileLength, path);
    const header =
      "needed" in first ? parseHeader(readAt(0, first.needed), fileLength, path) : first;
    if ("needed" in header) throw new DataError(`${path}: the safetensors header is cut short`);
    const entry = header.entries.get(name);
    if (!entry) {
      throw new DataError(
        `${path} holds no tensor "${name}" (it holds: ${[...header.entries.keys()].join(", ") || "none"})`,
        { details: { file: path, tensor: name } },
      );
    }
    const bytes = readAt(header.dataStart + entry.begin, entry.end - entry.begin);
    const count = entry.shape.reduce((product, size) => product * size, 1);
    const values = decode(entry.dtype, new DataView(bytes.buffer), count);
    return { dtype: entry.dtype, shape: entry.shape, values };
  } finally {
    closeSync(descriptor);
  }
}

function encode(tensor: SafetensorsTensor, view: DataView): void {
  const { dtype, values } = tensor;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number | bigint;
    switch (dtype) {
      case "I64":
        view.setBigInt64(
          i * 8,
          typeof value === "bigint" ? value : BigInt(Math.trunc(value)),
          true,
        );
        break;
      case "F64":
        view.setFloat64(i * 8, Number(value), true);
        break;
      case "F32":
        view.setFloat32(i * 4, Number(value), true);
        break;
      case "F16":
        view.setUint16(i * 2, float32ToFloat16Bits(Number(value)), true);
        break;
      case "BF16":
        view.setUint16(i * 2, float32ToBfloat16Bits(Number(value)), true);
        break;
      case "I32":
        view.setInt32(i * 4, Number(value), true);
        break;
      case "I16":
        view.setInt16(i * 2, Number(value), true);
        break;
      case "I8":
        view.setInt8(i, Number(value));
        break;
      default:
        view.setUint8(i, Number(value));
    }
  }
}

/** Serialises tensors (in the given order) and string metadata to safetensors bytes. */
export function writeSafetensors(
  tensors: Iterable<[string, SafetensorsTensor]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header["__metadata__"] = metadata;
  let offset = 0;
  for (const [name, tensor] of entries) {
    const count = tensor.shape.reduce((product, size) => product * size, 1);
    if (count !== tensor.values.length) {
      throw new DataError(
        `tensor "${name}" has ${tensor.values.length} values for shape [${tensor.shape.join(", ")}]`,
      );
    }
    const size = count * ITEM_SIZE[tensor.dtype];
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const [, tensor] of entries) {
    const size = tensor.values.length * ITEM_SIZE[tensor.dtype];
    encode(tensor, new DataView(out.buffer, position, size));
    position += size;
  }
  return out;
}
