export {
  bfloat16BitsToFloat32,
  decodeHalfPrecision,
  encodeHalfPrecision,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  type HalfPrecisionFormat,
  roundToHalfPrecision,
} from "./half-precision.js";
