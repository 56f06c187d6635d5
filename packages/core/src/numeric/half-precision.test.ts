import { describe, expect, it } from "vitest";
import { Rng } from "../rng/index.js";
import {
  bfloat16BitsToFloat32,
  decodeHalfPrecision,
  encodeHalfPrecision,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  roundToHalfPrecision,
} from "./half-precision.js";

const isNanFloat16 = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
const isNanBfloat16 = (bits: number) => (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0;

/** An independent binary16 rounding in double arithmetic: scale to the quantum, round half even. */
function referenceFloat16Bits(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  const exponent = Math.max(Math.floor(Math.log2(magnitude)), -14);
  const quantum = 2 ** (exponent - 10);
  const scaled = magnitude / quantum;
  const floor = Math.floor(scaled);
  const up = scaled - floor > 0.5 || (scaled - floor === 0.5 && floor % 2 === 1);
  const rounded = (floor + (up ? 1 : 0)) * quantum;
  if (rounded === 0) return sign;
  if (rounded < 2 ** -14) return sign | (rounded / 2 ** -24);
  const roundedExponent = Math.floor(Math.log2(rounded));
  return sign | ((roundedExponent + 15) << 10) | ((rounded / 2 ** roundedExponent - 1) * 1024);
}

describe("binary16 (fp16)", () => {
  it("encodes hand-worked values to their bit patterns", () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65519, 0x7bff], // just below the midpoint to 65536
      [65520, 0x7c00], // the midpoint rounds to even: Infinity
      [1e6, 0x7c00],
      [-1e6, 0xfc00],
      [1 + 2 ** -11, 0x3c00], // tie → even
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even (up)
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -25, 0x0400], // tie between 0x03ff and 0x0400 → even
      [2 ** -24, 0x0001], // smallest subnormal
      [1.5 * 2 ** -24, 0x0002], // tie → even
      [2 ** -25, 0x0000], // tie with zero → even (zero)
      [3e-8, 0x0001], // just above 2^-25
      [1e-8, 0x0000],
      [-1e-8, 0x8000],
      [-0, 0x8000],
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
    ];
    for (const [value, bits] of cases)
      expect(float32ToFloat16Bits(value), String(value)).toBe(bits);
    expect(isNanFloat16(float32ToFloat16Bits(Number.NaN))).toBe(true);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it("round-trips all 65536 bit patterns (NaNs stay NaN)", () => {
    for (let bits = 0; bits < 65536; bits++) {
      const back = float32ToFloat16Bits(float16BitsToFloat32(bits));
      if (isNanFloat16(bits)) {
        if (!isNanFloat16(back)) throw new Error(`NaN 0x${bits.toString(16)} lost`);
      } else if (back !== bits) {
        throw new Error(`0x${bits.toString(16)} came back as 0x${back.toString(16)}`);
      }
    }
  });

  it("agrees with an independent double-precision rounding on random float32 values", () => {
    const rng = new Rng(7);
    const probe = new Float32Array(1);
    const probeBits = new Uint32Array(probe.buffer);
    for (let i = 0; i < 200_000; i++) {
      // Random exponents around binary16's range, random fractions, both signs.
      const exponent = 95 + Math.floor(rng.next() * 60);
      probeBits[0] =
        (rng.next() < 0.5 ? 0x80000000 : 0) | (exponent << 23) | Math.floor(rng.next() * 0x800000);
      const value = probe[0] as number;
      const expected = referenceFloat16Bits(value);
      if (float32ToFloat16Bits(value) !== expected) {
        throw new Error(
          `${value}: 0x${float32ToFloat16Bits(value).toString(16)} ≠ 0x${expected.toString(16)}`,
        );
      }
    }
  });
});

describe("bfloat16 (bf16)", () => {
  it("encodes hand-worked values to their bit patterns", () => {
    const probe = new Float32Array(1);
    const probeBits = new Uint32Array(probe.buffer);
    const fromBits = (bits: number) => {
      probeBits[0] = bits;
      return probe[0] as number;
    };
    const cases: [number, number][] = [
      [1, 0x3f80],
      [-2.5, 0xc020],
      [Math.PI, 0x4049],
      [1 + 2 ** -8, 0x3f80], // tie → even
      [1 + 3 * 2 ** -8, 0x3f82], // tie → even (up)
      [fromBits(0x3f808001), 0x3f81], // just above the tie
      [fromBits(0x7f7f7fff), 0x7f7f], // below the midpoint: the largest finite bf16
      [fromBits(0x7f7f8000), 0x7f80], // the midpoint, odd neighbour: rounds to Infinity
      [3.4028234663852886e38, 0x7f80], // largest float32
      [fromBits(0x000116c2), 0x0001], // a float32 subnormal
      [-0, 0x8000],
      [Number.POSITIVE_INFINITY, 0x7f80],
      [Number.NEGATIVE_INFINITY, 0xff80],
    ];
    for (const [value, bits] of cases)
      expect(float32ToBfloat16Bits(value), String(value)).toBe(bits);
    expect(isNanBfloat16(float32ToBfloat16Bits(Number.NaN))).toBe(true);
    // A NaN whose payload sits only in the dropped bits must not round into Infinity.
    expect(isNanBfloat16(float32ToBfloat16Bits(fromBits(0x7f800001)))).toBe(true);
    expect(bfloat16BitsToFloat32(0x4049)).toBe(3.140625);
    expect(bfloat16BitsToFloat32(0xff80)).toBe(Number.NEGATIVE_INFINITY);
  });

  it("round-trips all 65536 bit patterns (NaNs stay NaN)", () => {
    for (let bits = 0; bits < 65536; bits++) {
      const back = float32ToBfloat16Bits(bfloat16BitsToFloat32(bits));
      if (isNanBfloat16(bits)) {
        if (!isNanBfloat16(back)) throw new Error(`NaN 0x${bits.toString(16)} lost`);
      } else if (back !== bits) {
        throw new Error(`0x${bits.toString(16)} came back as 0x${back.toString(16)}`);
      }
    }
  });
});

describe("bulk encode / decode", () => {
  it("encodes a range into a Uint16Array and decodes rows back, for both formats", () => {
    const source = Float32Array.from([9, 0.1, -3.3, 1000.7, 2 ** -20, 7]);
    for (const format of ["fp16", "bf16"] as const) {
      const stored = new Uint16Array(8).fill(0xabcd);
      encodeHalfPrecision(format, source, 1, stored, 2, 4);
      expect(stored[0]).toBe(0xabcd);
      expect(stored[1]).toBe(0xabcd);
      expect(stored[6]).toBe(0xabcd);
      const decoded = new Float32Array(6).fill(-1);
      decodeHalfPrecision(format, stored, 2, decoded, 1, 4);
      expect(decoded[0]).toBe(-1);
      expect(decoded[5]).toBe(-1);
      for (let i = 1; i <= 4; i++) {
        expect(decoded[i]).toBe(roundToHalfPrecision(source[i] as number, format));
        const relative =
          Math.abs((decoded[i] as number) - (source[i] as number)) / Math.abs(source[i] as number);
        expect(relative).toBeLessThanOrEqual(format === "fp16" ? 2 ** -11 : 2 ** -8);
      }
    }
    expect(roundToHalfPrecision(1000.7, "fp16")).toBe(1000.5);
    expect(roundToHalfPrecision(1000.7, "bf16")).toBe(1000);
  });
});
