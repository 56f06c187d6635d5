import { fileURLToPath } from "node:url";
import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { compileWasm } from "../../../../scripts/build-wasm.mjs";
import { referenceKernels } from "../testing/reference-kernels.js";
import type { MatrixView } from "./gemm.js";
import { SIMD_KERNELS_BASE64 } from "./simd-bytes.js";
import { createStepKernels } from "./simd-kernels.js";
import type { StepKernels } from "./step-kernels.js";

const js = referenceKernels();

function filled(kernels: StepKernels, length: number, rng: Rng): Float32Array {
  const x = kernels.float32(length);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!));
    worst = Math.max(worst, error);
  }
  expect(worst, label).toBeLessThan(2e-6);
}

describe("WebAssembly SIMD kernels match the JS reference", () => {
  it("the committed bytes are a fresh compile of wasm/kernels.ts", async () => {
    const source = fileURLToPath(new URL("../../wasm/kernels.ts", import.meta.url));
    const fresh = Buffer.from(await compileWasm(source)).toString("base64");
    expect(fresh, "regenerate src/kernels/simd-bytes.ts: pnpm --filter @tml/twhin build:wasm").toBe(
      SIMD_KERNELS_BASE64,
    );
  }, 60_000);

  // Sizes cover the SIMD main loops and every remainder (k not a multiple of 4 or 16, m not of 4).
  for (const [n, m, k] of [
    [5, 10, 200],
    [3, 7, 13],
    [4, 4, 16],
    [2, 1, 3],
    [6, 9, 37],
  ] as const) {
    it(`products n=${n} m=${m} k=${k}, strided views, offsets`, () => {
      const simd = createStepKernels(1 << 16);
      const rng = new Rng(n * 100 + m * 10 + k);
      const stride = m + 3;
      const a = filled(simd, (n + 1) * k, rng);
      const c = filled(simd, (m + 2) * k, rng);
      const g = filled(simd, n * stride + 2, rng);
      const gView: MatrixView = { data: g, offset: 2, stride };
      const outSimd: MatrixView = { data: simd.float32(n * stride + 1), offset: 1, stride };
      const outJs: MatrixView = { data: new Float32Array(n * stride + 1), offset: 1, stride };
      simd.gemmNT(a, k, n, c, 2 * k, m, k, outSimd);
      js.gemmNT(a, k, n, c, 2 * k, m, k, outJs);
      expectClose(outSimd.data, outJs.data, "gemmNT");
      const dASimd = filled(simd, (n + 1) * k, rng);
      const dAJs = dASimd.slice();
      simd.gemmNNAccumulate(gView, n, m, c, 2 * k, k, dASimd, k);
      js.gemmNNAccumulate(gView, n, m, c, 2 * k, k, dAJs, k);
      expectClose(dASimd, dAJs, "gemmNNAccumulate");
      const dCSimd = filled(simd, (m + 1) * k, rng);
      const dCJs = dCSimd.slice();
      simd.gemmTNAccumulate(gView, n, m, a, k, k, dCSimd, k);
      js.gemmTNAccumulate(gView, n, m, a, k, k, dCJs, k);
      expectClose(dCSimd, dCJs, "gemmTNAccumulate");
    });
  }

  it("row dots, pair backward, axpy and row-wise Adagrad (k = 13 and 200)", () => {
    for (const k of [13, 200]) {
      const simd = createStepKernels(1 << 16);
      const rng = new Rng(k);
      const rows = 5;
      const width = 4;
      const a = filled(simd, rows * k, rng);
      const p = filled(simd, rows * k, rng);
      const scoresSimd = simd.float32(rows * width + 1);
      const scoresJs = new Float32Array(rows * width + 1);
      simd.rowDots(a, p, rows, k, scoresSimd, 1, width);
      js.rowDots(a, p, rows, k, scoresJs, 1, width);
      expectClose(scoresSimd, scoresJs, "rowDots");
      scoresSimd[1 + 2 * width] = 0; // a zero gradient row is written as zeros by both
      const dASimd = filled(simd, rows * k, rng);
      const dPSimd = filled(simd, rows * k, rng);
      const [dAJs, dPJs] = [dASimd.slice(), dPSimd.slice()];
      simd.pairBackward(scoresSimd, 1, width, a, p, rows, k, dASimd, dPSimd);
      js.pairBackward(scoresSimd, 1, width, a, p, rows, k, dAJs, dPJs);
      expectClose(dASimd, dAJs, "pairBackward dA");
      expectClose(dPSimd, dPJs, "pairBackward dP");
      const ySimd = filled(simd, 3 * k, rng);
      const yJs = ySimd.slice();
      simd.axpy(-0.37, a, k, ySimd, 2, k);
      js.axpy(-0.37, a, k, yJs, 2, k);
      expectClose(ySimd, yJs, "axpy");
      const wSimd = filled(simd, rows * k, rng);
      const accSimd = simd.float32(rows);
      accSimd.set([0.5, 0, 2, 0, 1]);
      const grads = filled(simd, rows * k, rng);
      grads.fill(0, 3 * k, 4 * k); // acc 0 and g 0: sqrt(0) + eps = 0 leaves the row alone
      const [wJs, accJs] = [wSimd.slice(), accSimd.slice()];
      simd.rowwiseAdagrad(wSimd, grads, accSimd, rows, k, 0.1, 0);
      js.rowwiseAdagrad(wJs, grads, accJs, rows, k, 0.1, 0);
      expectClose(wSimd, wJs, "rowwiseAdagrad rows");
      expectClose(accSimd, accJs, "rowwiseAdagrad accumulators");
      expect(Number.isFinite(wSimd[3 * k]!)).toBe(true);
    }
  });

  it("element-wise Adagrad: hand-worked values, the reference on odd lengths, 0/0 left alone", () => {
    const simd = createStepKernels(1 << 15);
    // acc 0 + 2^2 = 4: w 1 - 0.1 * 2 / 2 = 0.9; acc 12 + (-2)^2 = 16: w 0 + 0.1 * 2 / 4 = 0.05;
    // g 0 with acc 0 and eps 0 leaves w; acc 0 + 3^2 = 9: w 3 - 0.1 * 3 / 3 = 2.9.
    const w = simd.float32(5);
    const g = simd.float32(6);
    const acc = simd.float32(5);
    w.set([1, 0, 7, 3, -1]);
    g.set([9, 2, -2, 0, 3, 0]); // from offset 1
    acc.set([0, 12, 0, 0, 0]);
    simd.adagrad(w, g, 1, acc, 4, 0.1, 0);
    expect(Array.from(acc)).toEqual([4, 16, 0, 9, 0]);
    expect(Array.from(w).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.9, 0.05, 7, 2.9, -1]);
    simd.adagrad(w.subarray(3), g, 4, acc.subarray(3), 1, 0.1, 1);
    expect(w[3]).toBeCloseTo(2.9 - (0.1 * 3) / (Math.sqrt(18) + 1), 6);
    for (const n of [1, 7, 203]) {
      const rng = new Rng(n);
      const wSimd = filled(simd, n, rng);
      const grads = filled(simd, n + 2, rng);
      const accSimd = filled(simd, n, rng);
      for (let i = 0; i < n; i++) accSimd[i] = Math.abs(accSimd[i]!);
      const [wJs, accJs] = [wSimd.slice(), accSimd.slice()];
      simd.adagrad(wSimd, grads, 2, accSimd, n, 0.3, 1e-8);
      js.adagrad(wJs, grads, 2, accJs, n, 0.3, 1e-8);
      expectClose(wSimd, wJs, "adagrad weights");
      expectClose(accSimd, accJs, "adagrad accumulators");
    }
  });

  it("row gathers and scatter-adds: repeated rows add up, negative indices are skipped", () => {
    for (const k of [7, 200]) {
      const simd = createStepKernels(1 << 15);
      const rng = new Rng(k + 1);
      const src = filled(simd, 6 * k, rng);
      const rows = simd.int32(5);
      rows.set([4, 0, 4, -1, 2]);
      const gatheredSimd = filled(simd, 5 * k, rng);
      const gatheredJs = gatheredSimd.slice();
      simd.gatherAddRows(src, rows, 5, k, gatheredSimd);
      js.gatherAddRows(src, rows, 5, k, gatheredJs);
      expectClose(gatheredSimd, gatheredJs, "gatherAddRows");
      const scatteredSimd = filled(simd, 6 * k, rng);
      const scatteredJs = scatteredSimd.slice();
      simd.scatterAddRows(gatheredSimd, 5, k, scatteredSimd, rows);
      js.scatterAddRows(gatheredSimd, 5, k, scatteredJs, rows);
      expectClose(scatteredSimd, scatteredJs, "scatterAddRows");
      const copied = simd.float32(3 * k);
      const sources = simd.int32(3);
      sources.set([5, 1, 5]);
      simd.gatherRows(src, sources, 3, k, copied);
      expect(Array.from(copied.subarray(k, 2 * k))).toEqual(Array.from(src.subarray(k, 2 * k)));
      expect(Array.from(copied.subarray(2 * k))).toEqual(Array.from(src.subarray(5 * k)));
    }
    // Hand-worked: rows [1, 2] and [3, 4] both added to row 0 of a zero matrix.
    const simd = createStepKernels(1024);
    const src = simd.float32(4);
    src.set([1, 2, 3, 4]);
    const dst = simd.float32(4);
    const rows = simd.int32(2);
    simd.scatterAddRows(src, 2, 2, dst, rows);
    expect(Array.from(dst)).toEqual([4, 6, 0, 0]);
  });

  it("BCE rows: loss and dScore, saturated logits included", () => {
    const simd = createStepKernels(1024);
    const rows = 3;
    const width = 4;
    const scores = simd.float32(rows * width);
    scores.set([2, -1, 0.5, 30, -30, 0, 1e-3, -4, 0.25, 12, -12, 3]);
    for (const label of [0, 1]) {
      const gradSimd = simd.float32(rows * width);
      const gradJs = new Float32Array(rows * width);
      const lossSimd = simd.bceRows({ scores, grad: gradSimd, rows, width }, label, 0.3, 1, 0.05);
      const lossJs = js.bceRows({ scores, grad: gradJs, rows, width }, label, 0.3, 1, 0.05);
      expect(Math.abs(lossSimd - lossJs)).toBeLessThan(1e-6 * (1 + lossJs));
      expectClose(gradSimd, gradJs, `bce grad, negative label ${label}`);
    }
    // Hand-worked: one positive logit 0 -> loss log 2, dScore sigmoid(0) - 1 = -0.5.
    const one = simd.float32(1);
    const grad = simd.float32(1);
    expect(simd.bceRows({ scores: one, grad, rows: 1, width: 1 }, 0, 1, 1, 1)).toBeCloseTo(
      Math.LN2,
      6,
    );
    expect(grad[0]).toBeCloseTo(-0.5, 7);
  });

  it("softmax rows: loss and dScore, -Infinity columns, widths not a multiple of 4", () => {
    const simd = createStepKernels(1 << 16);
    const js = referenceKernels();
    const rng = new Rng(4);
    for (const width of [1, 3, 4, 7, 9, 130]) {
      const rows = 5;
      const scores = simd.float32(rows * width);
      for (let i = 0; i < scores.length; i++) scores[i] = 30 * (rng.next() - 0.5);
      if (width > 2) {
        scores[1] = Number.NEGATIVE_INFINITY;
        scores[width + width - 1] = Number.NEGATIVE_INFINITY;
        scores[2 * width] = 80; // a dominant positive: other columns underflow
      }
      const gradSimd = simd.float32(rows * width);
      const gradJs = new Float32Array(rows * width);
      const lossSimd = simd.softmaxRows({ scores, grad: gradSimd, rows, width }, 0.1);
      const lossJs = js.softmaxRows({ scores, grad: gradJs, rows, width }, 0.1);
      expect(Math.abs(lossSimd - lossJs), `width ${width}`).toBeLessThan(1e-6 * (1 + lossJs));
      expectClose(gradSimd, gradJs, `softmax grad, width ${width}`);
      if (width > 2) expect(gradSimd[1]).toBe(0);
      // In place (grad = scores, as the step runs it): the same loss and gradient.
      const inPlace = simd.float32(rows * width);
      inPlace.set(scores);
      const lossInPlace = simd.softmaxRows({ scores: inPlace, grad: inPlace, rows, width }, 0.1);
      expect(lossInPlace).toBe(lossSimd);
      expect(Array.from(inPlace)).toEqual(Array.from(gradSimd));
    }
    // Hand-worked: scores [0, ln 3] -> p = [1/4, 3/4], loss ln 4, dScore [-3/4, 3/4].
    const scores = simd.float32(2);
    scores.set([0, Math.log(3)]);
    const grad = simd.float32(2);
    expect(simd.softmaxRows({ scores, grad, rows: 1, width: 2 }, 1)).toBeCloseTo(Math.log(4), 6);
    expect(grad[0]).toBeCloseTo(-0.75, 6);
    expect(grad[1]).toBeCloseTo(0.75, 6);
  });

  it("hand-worked values: a 2 x 2 score block and its gradients", () => {
    const simd = createStepKernels(1024);
    const a = simd.float32(4);
    a.set([1, 2, 3, 4]); // rows [1, 2], [3, 4]
    const c = simd.float32(4);
    c.set([5, 6, 7, 8]); // rows [5, 6], [7, 8]
    const out: MatrixView = { data: simd.float32(4), offset: 0, stride: 2 };
    simd.gemmNT(a, 0, 2, c, 0, 2, 2, out);
    expect(Array.from(out.data)).toEqual([17, 23, 39, 53]);
    const dA = simd.float32(4);
    simd.gemmNNAccumulate({ data: a, offset: 0, stride: 2 }, 2, 2, c, 0, 2, dA, 0);
    // [[1, 2], [3, 4]] x [[5, 6], [7, 8]]
    expect(Array.from(dA)).toEqual([19, 22, 43, 50]);
    const dC = simd.float32(4);
    simd.gemmTNAccumulate({ data: a, offset: 0, stride: 2 }, 2, 2, c, 0, 2, dC, 0);
    // [[1, 3], [2, 4]] x [[5, 6], [7, 8]]
    expect(Array.from(dC)).toEqual([26, 30, 38, 44]);
  });

  it("an operand outside the kernel memory is a BackendError, not a read of the wrong memory", () => {
    const simd = createStepKernels(1024);
    const a = simd.float32(4);
    const c = Float32Array.from([5, 6, 7, 8]);
    const out: MatrixView = { data: simd.float32(4), offset: 0, stride: 2 };
    expect(() => simd.gemmNT(a, 0, 2, c, 0, 2, 2, out)).toThrow(/not in the kernels' memory/);
    const y = new Float32Array(2);
    expect(() => simd.axpy(2, a, 2, y, 0, 2)).toThrow(/not in the kernels' memory/);
  });

  it("the arena is fixed: over-allocation is a BackendError, not a grown (detaching) memory", () => {
    const simd = createStepKernels(64);
    simd.float32(60);
    expect(() => simd.float32(64 * 1024)).toThrow(/arena exhausted/);
  });
});
