import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";

describe("Rng", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it("has uniform moments in [0, 1)", () => {
    const rng = new Rng(1);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      sumSq += x * x;
    }
    // Mean 1/2 and variance 1/12, within ~5 standard errors.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSq / n - (sum / n) ** 2 - 1 / 12)).toBeLessThan(0.002);
  });

  it("draws unbiased integers", () => {
    const rng = new Rng(7);
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.int(6)]++;
    // Chi-square with 5 degrees of freedom: 20.5 is the 0.999 quantile.
    const expected = n / 6;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(20.5);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it("draws standard normals", () => {
    const rng = new Rng(3);
    const values = rng.fillNormal(new Float64Array(100_000));
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });

  it("round-trips its state mid-stream", () => {
    const rng = new Rng(9);
    rng.next();
    rng.normal(); // leaves a cached spare deviate
    const copy = Rng.fromState(JSON.parse(JSON.stringify(rng.getState())));
    expect([copy.normal(), copy.next(), copy.int(1000)]).toEqual([
      rng.normal(),
      rng.next(),
      rng.int(1000),
    ]);
  });

  it("forks independent streams without consuming the parent", () => {
    const parent = new Rng(5);
    const before = Rng.fromState(parent.getState());
    const forkA = parent.fork("init");
    expect(parent.nextUint32()).toBe(before.nextUint32());
    expect(parent.fork("init").nextUint32()).toBe(forkA.nextUint32());
    expect(parent.fork("data").nextUint32()).not.toBe(parent.fork("init").nextUint32());
  });

  it("shuffles into a permutation", () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(11).shuffle(values);
    expect(Array.from(values).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(Array.from(values)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
