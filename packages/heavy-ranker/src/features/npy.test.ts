import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { parseNpy, readNpyMaskIndices } from "./npy.js";

/** A .npy v1 file written by hand: magic, version, padded header, raw data. */
function npyBytes(descr: string, shape: string, data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += " ";
  header += "\n";
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

describe("parseNpy", () => {
  it("reads little-endian int64 vectors", () => {
    const data = new Uint8Array(new BigInt64Array([0n, 1n, 0n, 7n, -2n]).buffer);
    const array = parseNpy(npyBytes("<i8", "(5,)", data));
    expect(array.shape).toEqual([5]);
    expect([...array.data]).toEqual([0, 1, 0, 7, -2]);
  });

  it("reads float32 matrices, bools and big-endian ints", () => {
    const floats = parseNpy(
      npyBytes("<f4", "(2, 2)", new Uint8Array(new Float32Array([1.5, -2, 0, 3]).buffer)),
    );
    expect(floats.shape).toEqual([2, 2]);
    expect([...floats.data]).toEqual([1.5, -2, 0, 3]);
    expect([...parseNpy(npyBytes("|b1", "(3,)", new Uint8Array([1, 0, 1]))).data]).toEqual([
      1, 0, 1,
    ]);
    const bigEndian = new Uint8Array([0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]);
    expect([...parseNpy(npyBytes(">i4", "(2,)", bigEndian)).data]).toEqual([258, -2]);
  });

  it("rejects bad magic, unknown dtypes and truncated data", () => {
    expect(() => parseNpy(new Uint8Array(20))).toThrow(DataError);
    expect(() => parseNpy(npyBytes("<c16", "(1,)", new Uint8Array(16)))).toThrow(/unsupported/);
    expect(() => parseNpy(npyBytes("<f8", "(4,)", new Uint8Array(8)))).toThrow(/truncated/);
  });

  it("turns a mask file into the kept column indices", () => {
    const path = join(mkdtempSync(join(tmpdir(), "npy-")), "mask.npy");
    writeFileSync(
      path,
      npyBytes("<i8", "(6,)", new Uint8Array(new BigInt64Array([1n, 0n, 0n, 1n, 1n, 0n]).buffer)),
    );
    expect([...readNpyMaskIndices(path)]).toEqual([0, 3, 4]);
    expect(() => readNpyMaskIndices(`${path}.missing`)).toThrow(/cannot be read/);
  });
});
