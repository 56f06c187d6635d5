import { CheckpointError } from "@tml/core";
import { roundToBfloat16 } from "../features/downcast.js";

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

/** float16 bits → number (subnormals, infinities and NaN included). */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** number → float16 bits, rounding to nearest even; overflow gives ±Infinity. */
export function numberToFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) return sign | roundEven(magnitude / 2 ** -24);
  const exponent = Math.floor(Math.log2(magnitude));
  const mantissa = roundEven((magnitude / 2 ** exponent - 1) * 1024);
  // A mantissa that rounds up to 1024 carries into the exponent, which the addition does.
  return sign | (((exponent + 15) << 10) + mantissa);
}

function roundEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

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
      for (let i = 0; i < count; i++) {
        if (dtype === "F32") out[i] = view.getFloat32(i * 4, true);
        else if (dtype === "F64") out[i] = view.getFloat64(i * 8, true);
        else if (dtype === "F16") out[i] = float16ToNumber(view.getUint16(i * 2, true));
        else
          out[i] = new Float32Array(
            new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer,
          )[0] as number;
      }
      return out;
    }
  }
}

/**
 * Parses a safetensors file: u64 little-endian header length, a JSON header of
 * `{name: {dtype, shape, data_offsets: [begin, end]}}` (offsets into the data after the header)
 * plus optional `__metadata__`, then raw little-endian data. `source` names the file in errors.
 */
export function readSafetensors(bytes: Uint8Array, source = "<safetensors>"): SafetensorsFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new CheckpointError(`${source}: too short for a safetensors file`);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw new CheckpointError(
      `${source}: header length ${headerLength} exceeds the file (${bytes.length} bytes)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (cause) {
    throw new CheckpointError(`${source}: the safetensors header is not JSON`, { cause });
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as {
      dtype: SafetensorsDtype;
      shape: number[];
      data_offsets: [number, number];
    };
    const itemSize = ITEM_SIZE[dtype];
    if (!itemSize)
      throw new CheckpointError(`${source}: tensor "${name}" has unsupported dtype ${dtype}`);
    const count = shape.reduce((product, size) => product * size, 1);
    const [begin, end] = offsets;
    if (!(begin >= 0 && end >= begin && end <= dataLength && end - begin === count * itemSize)) {
      throw new CheckpointError(
        `${source}: tensor "${name}" (${dtype} [${shape.join(", ")}]) has data_offsets [${begin}, ${end}] that do not fit ${count * itemSize} bytes in ${dataLength}`,
      );
    }
    const tensorView = new DataView(
      bytes.buffer,
      bytes.byteOffset + dataStart + begin,
      end - begin,
    );
    tensors.set(name, { dtype, shape: [...shape], values: decode(dtype, tensorView, count) });
  }
  return {
    tensors,
    metadata: (header["__metadata__"] as Record<string, string> | undefined) ?? {},
  };
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
        view.setUint16(i * 2, numberToFloat16(Number(value)), true);
        break;
      case "BF16":
        view.setUint16(
          i * 2,
          new Uint32Array(new Float32Array([roundToBfloat16(Number(value))]).buffer)[0]! >>> 16,
          true,
        );
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
      throw new CheckpointError(
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
