import { readFileSync } from "node:fs";
import { DataError, NotFoundError } from "@tml/core";

/** A parsed NumPy `.npy` array: values as float64 in C (row-major) order, with its shape. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

type ElementReader = (view: DataView, offset: number, littleEndian: boolean) => number;

const readers: Record<string, [number, ElementReader]> = {
  b1: [1, (view, offset) => view.getUint8(offset)],
  u1: [1, (view, offset) => view.getUint8(offset)],
  i1: [1, (view, offset) => view.getInt8(offset)],
  u2: [2, (view, offset, little) => view.getUint16(offset, little)],
  i2: [2, (view, offset, little) => view.getInt16(offset, little)],
  u4: [4, (view, offset, little) => view.getUint32(offset, little)],
  i4: [4, (view, offset, little) => view.getInt32(offset, little)],
  u8: [8, (view, offset, little) => Number(view.getBigUint64(offset, little))],
  i8: [8, (view, offset, little) => Number(view.getBigInt64(offset, little))],
  f4: [4, (view, offset, little) => view.getFloat32(offset, little)],
  f8: [8, (view, offset, little) => view.getFloat64(offset, little)],
};

function headerField(header: string, key: string, source: string): string {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|\\([^)]*\\)|True|False)`).exec(
    header,
  );
  if (!match?.[1]) throw new DataError(`${source}: .npy header lacks '${key}' (${header.trim()})`);
  return match[1];
}

/**
 * Parses a `.npy` file (format versions 1–3, little/big endian bool, int, uint and float dtypes,
 * C order). `source` names the file in errors.
 */
export function parseNpy(bytes: Uint8Array, source = "<npy>"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((byte, index) => bytes[index] !== byte)) {
    throw new DataError(`${source}: not a .npy file (bad magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] as number;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(
    bytes.subarray(headerStart, headerStart + headerLength),
  );
  const descr = headerField(header, "descr", source).slice(1, -1);
  if (headerField(header, "fortran_order", source) === "True") {
    throw new DataError(
      `${source}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`,
    );
  }
  const shape = headerField(header, "shape", source)
    .slice(1, -1)
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(Number);
  const order = descr[0];
  const reader = readers[descr.slice(1)];
  if (!reader || (order !== "<" && order !== ">" && order !== "|" && order !== "=")) {
    throw new DataError(`${source}: unsupported .npy dtype ${descr}`);
  }
  const [itemSize, read] = reader;
  const count = shape.reduce((product, size) => product * size, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart + count * itemSize) {
    throw new DataError(`${source}: truncated .npy data (${count} × ${itemSize} bytes expected)`);
  }
  const littleEndian = order !== ">";
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, dataStart + i * itemSize, littleEndian);
  return { dtype: descr, shape, data };
}

/** Reads a 1-D `.npy` mask and returns the indices of its non-zero entries (the kept columns). */
export function readNpyMaskIndices(path: string): Int32Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new NotFoundError(
      `feature mask ${path} cannot be read; check the truncate_and_slice mask path`,
      {
        cause,
      },
    );
  }
  const mask = parseNpy(bytes, path);
  if (mask.shape.length !== 1) {
    throw new DataError(
      `${path}: a feature mask must be 1-D, got shape [${mask.shape.join(", ")}]`,
    );
  }
  const kept: number[] = [];
  mask.data.forEach((value, index) => {
    if (value !== 0) kept.push(index);
  });
  return Int32Array.from(kept);
}
