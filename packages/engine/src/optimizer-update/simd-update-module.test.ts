import { fileURLToPath } from "node:url";
import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { compileWasm } from "../../../../scripts/build-wasm.mjs";
import {
  simdUpdateKernels,
  simdUpdateModuleBytes,
  type WasmMemory,
  webAssembly,
} from "./simd-update-module.js";
import { SIMD_UPDATE_MODULE_BASE64 } from "./simd-update-module-bytes.js";

const N = 12; // three quads
const rng = new Rng(3);

// Arrays laid out one after another in a fresh memory; returns their byte offsets.
function layout(memory: WasmMemory, arrays: Float32Array[]): number[] {
  const heap = new Float32Array(memory.buffer);
  return arrays.map((array, index) => {
    heap.set(array, index * N);
    return index * N * 4;
  });
}

function read(memory: WasmMemory, offset: number): number[] {
  return [...new Float32Array(memory.buffer, offset, N)];
}

function random(scale = 1): Float32Array {
  return Float32Array.from({ length: N }, () => rng.normal() * scale);
}

function expectClose(actual: number[], expected: number[]): void {
  for (const [index, value] of actual.entries()) {
    expect(value).toBeCloseTo(expected[index]!, 5);
  }
}

describe("SIMD update module", () => {
  it("is a valid WebAssembly module", () => {
    expect(webAssembly!.validate(simdUpdateModuleBytes())).toBe(true);
  });

  it("the committed bytes are a fresh compile of wasm/simd-update-module.ts", async () => {
    const source = fileURLToPath(new URL("../../wasm/simd-update-module.ts", import.meta.url));
    const fresh = Buffer.from(await compileWasm(source)).toString("base64");
    expect(fresh, "regenerate: pnpm --filter @tml/engine build:wasm").toBe(
      SIMD_UPDATE_MODULE_BASE64,
    );
  }, 60_000);

  it("binding it leaves the imported memory (the tfjs heap) untouched", () => {
    const untouched = new webAssembly!.Memory({ initial: 1 });
    new Uint8Array(untouched.buffer).fill(0xa5);
    expect(simdUpdateKernels(untouched)).toBeDefined();
    expect(new Uint8Array(untouched.buffer).every((byte) => byte === 0xa5)).toBe(true);
  });

  const memory = new webAssembly!.Memory({ initial: 1 });
  const kernels = simdUpdateKernels(memory)!;

  it("compiles once per memory", () => {
    expect(kernels).toBeDefined();
    expect(simdUpdateKernels(memory)).toBe(kernels);
  });

  it("adam matches the formula", () => {
    const [p, g, m, v] = [random(), random(), random(0.1), random(0.1).map(Math.abs)];
    const [b1, b2, step, eps, scale] = [0.9, 0.999, 0.01, 1e-3, 0.5];
    const at = layout(memory, [
      p!,
      g!,
      m!,
      v!,
      new Float32Array(N),
      new Float32Array(N),
      new Float32Array(N),
    ]);
    kernels.adam(
      at[0]!,
      at[1]!,
      at[2]!,
      at[3]!,
      at[4]!,
      at[5]!,
      at[6]!,
      N / 4,
      b1,
      1 - b1,
      b2,
      1 - b2,
      step,
      eps,
      scale,
    );
    const gs = [...g!].map((x) => x * scale);
    const m2 = gs.map((x, i) => b1 * m![i]! + (1 - b1) * x);
    const v2 = gs.map((x, i) => b2 * v![i]! + (1 - b2) * x * x);
    expectClose(read(memory, at[5]!), m2);
    expectClose(read(memory, at[6]!), v2);
    expectClose(
      read(memory, at[4]!),
      m2.map((x, i) => p![i]! - (step * x) / (Math.sqrt(v2[i]!) + eps)),
    );
  });

  it("momentum and plain SGD match the formulas", () => {
    const [p, g, b] = [random(), random(), random()];
    const at = layout(memory, [
      p,
      g,
      b,
      new Float32Array(N),
      new Float32Array(N),
      new Float32Array(N),
    ]);
    kernels.momentum(at[0]!, at[1]!, at[2]!, at[3]!, at[4]!, N / 4, 0.9, 0.1, 2);
    const b2 = [...b].map((x, i) => 0.9 * x + 2 * g[i]!);
    expectClose(read(memory, at[4]!), b2);
    expectClose(
      read(memory, at[3]!),
      b2.map((x, i) => p[i]! - 0.1 * x),
    );
    kernels.sgd(at[0]!, at[1]!, at[5]!, N / 4, 0.1, 3);
    expectClose(
      read(memory, at[5]!),
      [...p].map((x, i) => x - 0.3 * g[i]!),
    );
  });

  it("accumulates and scales gradients", () => {
    const [g, previous] = [random(), random()];
    const at = layout(memory, [g, previous, new Float32Array(N), new Float32Array(N)]);
    kernels.accumulate(at[0]!, at[1]!, at[2]!, N / 4, 0.25);
    expectClose(
      read(memory, at[2]!),
      [...g].map((x, i) => previous[i]! + 0.25 * x),
    );
    kernels.scale(at[0]!, at[3]!, N / 4, 0.25);
    expectClose(
      read(memory, at[3]!),
      [...g].map((x) => 0.25 * x),
    );
  });

  it("sums squares in float64", () => {
    const x = random(1e3);
    const [at] = layout(memory, [x]);
    const expected = [...x].reduce((sum, value) => sum + value * value, 0);
    expect(kernels.sumSquares(at!, N / 4)).toBeCloseTo(expected, 6);
    expect(kernels.sumSquares(at!, 1)).toBeCloseTo(
      x[0]! ** 2 + x[1]! ** 2 + x[2]! ** 2 + x[3]! ** 2,
      6,
    );
  });

  it("adagrad matches the formula and leaves lanes with a zero denominator unchanged", () => {
    const [p, g, s] = [random(), random(), random().map(Math.abs)];
    g[1] = 0;
    s[1] = 0;
    const at = layout(memory, [p, g, s, new Float32Array(N), new Float32Array(N)]);
    kernels.adagrad(at[0]!, at[1]!, at[2]!, at[3]!, at[4]!, N / 4, 0.1, 0, 0.5);
    const gs = [...g].map((x) => x * 0.5);
    const s2 = gs.map((x, i) => s[i]! + x * x);
    expectClose(read(memory, at[4]!), s2);
    const expected = gs.map((x, i) =>
      s2[i] === 0 ? p[i]! : p[i]! - (0.1 * x) / Math.sqrt(s2[i]!),
    );
    const actual = read(memory, at[3]!);
    expect(Number.isNaN(actual[1])).toBe(false);
    expect(actual[1]).toBe(p[1]);
    expectClose(actual, expected);
  });
});
