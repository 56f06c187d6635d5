import { describe, expect, it } from "vitest";
import { toFloat32, toFloat64, toInt32 } from "./feature-batch.js";

describe("column conversions", () => {
  it("converts int64 exactly without BigInt arithmetic", () => {
    const values = new BigInt64Array([0n, -5n, 2n ** 40n + 3n, -(2n ** 33n) - 7n, 2n ** 53n - 1n]);
    expect([...toFloat64(values)]).toEqual([0, -5, 2 ** 40 + 3, -(2 ** 33) - 7, 2 ** 53 - 1]);
    expect([...toFloat32(new BigInt64Array([3n, -2n]))]).toEqual([3, -2]);
    expect([...toFloat64(new BigUint64Array([2n ** 63n]))]).toEqual([2 ** 63]);
  });

  it("wraps int64 to the low 32 bits like a hashed id", () => {
    const values = new BigInt64Array([2n ** 40n + 5n, -1n, 2n ** 31n, 7n]);
    expect([...toInt32(values)]).toEqual([5, -1, -(2 ** 31), 7]);
    expect([...toInt32(Float64Array.from([1, 2.9, -3]))]).toEqual([1, 2, -3]);
  });
});
