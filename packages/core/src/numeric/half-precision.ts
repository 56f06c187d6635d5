// 16-bit floats stored as their bit patterns in Uint16Array: IEEE binary16 ("fp16": 1 sign, 5
// exponent, 10 fraction bits) and bfloat16 ("bf16": the top half of a float32). Encoding rounds a
// float32 to nearest, ties to even; NaN stays NaN, overflow becomes ±Infinity, tiny values become
// subnormals or signed zero. Nothing here allocates per element: the hot paths read float32 bits
// through one module-level scratch word.

/** A 16-bit float format: `fp16` (IEEE binary16) or `bf16` (bfloat16). */
export type HalfPrecisionFormat = "fp16" | "bf16";

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** float32 → bfloat16 bits (0..65535), round to nearest even; NaN stays a (quiet) NaN. */
export function float32ToBfloat16Bits(value: number): number {
  scratchFloat[0] = value;
  const bits = scratchBits[0] as number;
  // NaN: keep sign and top payload bits, force the quiet bit so rounding cannot turn it into Inf.
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) {
    return (bits >>> 16) | 0x0040;
  }
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even; a carry out of the fraction
  // bumps the exponent, which is also how the largest finite floats round to Infinity.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits → float32 value (exact). */
export function bfloat16BitsToFloat32(bits: number): number {
  scratchBits[0] = bits << 16;
  return scratchFloat[0] as number;
}

/** float32 → IEEE binary16 bits (0..65535), round to nearest even; |x| ≥ 65520 → ±Infinity. */
export function float32ToFloat16Bits(value: number): number {
  scratchFloat[0] = value;
  const bits = scratchBits[0] as number;
  const magnitude = bits & 0x7fffffff;
  // The common case, a normal binary16 result (2^-14 ≤ |x| < 65520): rebias the exponent by
  // subtracting 112 << 23 and round the 13 dropped bits to nearest even by adding 0xfff plus the
  // lowest kept bit; a carry out of the fraction bumps the exponent, as it should.
  if (magnitude >= 0x38800000 && magnitude < 0x477ff000) {
    return (
      ((bits >>> 16) & 0x8000) |
      ((magnitude - 0x38000000 + 0x0fff + ((magnitude >>> 13) & 1)) >>> 13)
    );
  }
  return float32BitsToFloat16BitsRare(bits);
}

/** Infinity, NaN, overflow, subnormal and zero results of `float32ToFloat16Bits`. */
function float32BitsToFloat16BitsRare(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const fraction = bits & 0x007fffff;
  if (exponent === 0xff) {
    // Infinity keeps fraction 0; NaN keeps its top payload bits, made non-zero if they vanish.
    return fraction === 0 ? sign | 0x7c00 : sign | 0x7c00 | (fraction >>> 13 || 0x200);
  }
  const halfExponent = exponent - 112; // float32 bias 127, binary16 bias 15
  if (halfExponent >= 31 || (bits & 0x7fffffff) >= 0x477ff000) return sign | 0x7c00;
  // Subnormal result in units of 2^-24; below 2^-25 everything rounds to zero.
  if (halfExponent < -10) return sign;
  const significand = fraction | 0x00800000;
  const shift = 14 - halfExponent;
  const half = significand >>> shift;
  const remainder = significand & ((1 << shift) - 1);
  const midpoint = 1 << (shift - 1);
  const roundUp = remainder > midpoint || (remainder === midpoint && (half & 1) === 1);
  // Rounding up from the largest subnormal gives 0x0400, the smallest normal: correct.
  return sign | (half + (roundUp ? 1 : 0));
}

let float16Table: Float32Array | undefined;

/** All 65536 binary16 values as float32, built on first use (256 KiB). */
function float16Values(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >>> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * fraction * 2 ** -24;
    else if (exponent === 0x1f) {
      if (fraction === 0) table[bits] = sign * Number.POSITIVE_INFINITY;
      else {
        // Keep sign and payload so NaNs round-trip bit for bit.
        scratchBits[0] = ((bits & 0x8000) << 16) | 0x7f800000 | (fraction << 13);
        table[bits] = scratchFloat[0] as number;
      }
    } else table[bits] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  float16Table = table;
  return table;
}

/** IEEE binary16 bits → float32 value (exact; subnormals, infinities and NaN payloads kept). */
export function float16BitsToFloat32(bits: number): number {
  return float16Values()[bits & 0xffff] as number;
}

/** Rounds a number to the nearest value of `format` (ties to even) and returns it as a float32. */
export function roundToHalfPrecision(value: number, format: HalfPrecisionFormat): number {
  return format === "fp16"
    ? float16BitsToFloat32(float32ToFloat16Bits(value))
    : bfloat16BitsToFloat32(float32ToBfloat16Bits(value));
}

/**
 * Encodes `source[sourceOffset .. sourceOffset + length)` into `target[targetOffset ..)` as
 * `format` bits. Allocates nothing; the ranges must lie inside their arrays.
 */
export function encodeHalfPrecision(
  format: HalfPrecisionFormat,
  source: Float32Array,
  sourceOffset: number,
  target: Uint16Array,
  targetOffset: number,
  length: number,
): void {
  if (format === "fp16") {
    for (let i = 0; i < length; i++) {
      target[targetOffset + i] = float32ToFloat16Bits(source[sourceOffset + i] as number);
    }
  } else {
    for (let i = 0; i < length; i++) {
      target[targetOffset + i] = float32ToBfloat16Bits(source[sourceOffset + i] as number);
    }
  }
}

/**
 * Decodes `source[sourceOffset .. sourceOffset + length)` (`format` bits) into float32 values at
 * `target[targetOffset ..)`. Exact; allocates nothing (fp16 reads a table built once).
 */
export function decodeHalfPrecision(
  format: HalfPrecisionFormat,
  source: Uint16Array,
  sourceOffset: number,
  target: Float32Array,
  targetOffset: number,
  length: number,
): void {
  if (format === "fp16") {
    const table = float16Values();
    for (let i = 0; i < length; i++) {
      target[targetOffset + i] = table[source[sourceOffset + i] as number] as number;
    }
  } else {
    for (let i = 0; i < length; i++) {
      scratchBits[0] = (source[sourceOffset + i] as number) << 16;
      target[targetOffset + i] = scratchFloat[0] as number;
    }
  }
}
