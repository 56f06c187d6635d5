import { BackendError } from "@tml/core";
import type { MatrixView } from "./gemm.js";
import { SIMD_KERNELS_BASE64 } from "./simd-bytes.js";
import type { ScoreRows, StepKernels } from "./step-kernels.js";
import { instantiateWasm, WASM_ALIGN, type WasmInstance } from "./wasm-instance.js";

interface KernelExports {
  gemmNT(a: number, n: number, c: number, m: number, k: number, out: number, stride: number): void;
  gemmNNAccumulate(
    g: number,
    gStride: number,
    n: number,
    m: number,
    c: number,
    k: number,
    out: number,
  ): void;
  gemmTNAccumulate(
    g: number,
    gStride: number,
    n: number,
    m: number,
    a: number,
    k: number,
    out: number,
  ): void;
  rowDots(a: number, p: number, rows: number, k: number, out: number, stride: number): void;
  pairBackward(
    g: number,
    gStride: number,
    a: number,
    p: number,
    rows: number,
    k: number,
    dA: number,
    dP: number,
  ): void;
  axpy(alpha: number, x: number, y: number, k: number): void;
  heapBase(): number;
  gatherRows(src: number, srcRows: number, count: number, k: number, dst: number): void;
  scatterAddRows(src: number, count: number, k: number, dst: number, rows: number): void;
  gatherAddRows(src: number, rows: number, count: number, k: number, dst: number): void;
  bceRows(
    scores: number,
    grad: number,
    rows: number,
    width: number,
    negativeLabel: number,
    negativeWeight: number,
    positiveWeight: number,
    scale: number,
  ): number;
  softmaxRows(scores: number, grad: number, rows: number, width: number, scale: number): number;
  rowwiseAdagrad(
    w: number,
    g: number,
    acc: number,
    count: number,
    k: number,
    learningRate: number,
    eps: number,
  ): void;
  adagrad(w: number, g: number, acc: number, n: number, learningRate: number, eps: number): void;
}

// Scratch arrays start 16-byte aligned, after the module's static data (its math tables).
const ALIGN = WASM_ALIGN;

/** Floats of arena needed for arrays of these lengths (each rounded up to the alignment). */
export function arenaFloats(lengths: number[]): number {
  let total = 0;
  for (const length of lengths) total += Math.ceil(length / (ALIGN / 4)) * (ALIGN / 4);
  return total;
}

/**
 * WebAssembly SIMD kernels over one fixed-size memory (never grown, so views stay valid). Every
 * operand must be an array allocated here (`float32` / `int32`); another array (a table, a
 * caller's buffer) is a BackendError, not a silent read of the wrong memory.
 */
class SimdKernels implements StepKernels {
  private readonly buffer: ArrayBuffer;
  private readonly exports: KernelExports;
  private next = 0;
  private end = 0;

  constructor(instance: WasmInstance) {
    this.exports = instance.exports as KernelExports;
    this.next = instance.heapStart;
    this.end = instance.heapStart + instance.heapBytes;
    this.buffer = instance.buffer;
  }

  private take(bytes: number): number {
    const offset = this.next;
    const end = offset + Math.ceil(bytes / ALIGN) * ALIGN;
    if (end > this.end) {
      throw new BackendError(
        `SIMD kernel arena exhausted: ${end} bytes requested, ${this.end} reserved; the step's arena size is wrong (a bug: report it).`,
      );
    }
    this.next = end;
    return offset;
  }

  float32(length: number): Float32Array {
    return new Float32Array(this.buffer, this.take(length * 4), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(length * 4), length);
  }

  // One comparison per operand per call (not per element): a misplaced array is a bug to report.
  // (Fixed arity: a rest parameter would allocate an array per call.)
  private check(
    name: string,
    a: Float32Array | Int32Array,
    b: Float32Array | Int32Array = a,
    c: Float32Array | Int32Array = a,
    d: Float32Array | Int32Array = a,
    e: Float32Array | Int32Array = a,
  ): void {
    const buffer = this.buffer;
    if (a.buffer === buffer && b.buffer === buffer && c.buffer === buffer) {
      if (d.buffer === buffer && e.buffer === buffer) return;
    }
    throw new BackendError(
      `SIMD kernel ${name}: an operand is not in the kernels' memory (allocate it with float32 / int32); a bug: report it.`,
    );
  }

  gemmNT(
    a: Float32Array,
    aOff: number,
    n: number,
    c: Float32Array,
    cOff: number,
    m: number,
    k: number,
    out: MatrixView,
  ): void {
    this.check("gemmNT", a, c, out.data);
    const o = out.data.byteOffset + out.offset * 4;
    this.exports.gemmNT(a.byteOffset + aOff * 4, n, c.byteOffset + cOff * 4, m, k, o, out.stride);
  }

  gemmNNAccumulate(
    g: MatrixView,
    n: number,
    m: number,
    c: Float32Array,
    cOff: number,
    k: number,
    out: Float32Array,
    outOff: number,
  ): void {
    this.check("gemmNNAccumulate", g.data, c, out);
    const gp = g.data.byteOffset + g.offset * 4;
    const op = out.byteOffset + outOff * 4;
    this.exports.gemmNNAccumulate(gp, g.stride, n, m, c.byteOffset + cOff * 4, k, op);
  }

  gemmTNAccumulate(
    g: MatrixView,
    n: number,
    m: number,
    a: Float32Array,
    aOff: number,
    k: number,
    out: Float32Array,
    outOff: number,
  ): void {
    this.check("gemmTNAccumulate", g.data, a, out);
    const gp = g.data.byteOffset + g.offset * 4;
    const op = out.byteOffset + outOff * 4;
    this.exports.gemmTNAccumulate(gp, g.stride, n, m, a.byteOffset + aOff * 4, k, op);
  }

  rowDots(
    a: Float32Array,
    p: Float32Array,
    rows: number,
    k: number,
    out: Float32Array,
    outOff: number,
    outStride: number,
  ): void {
    this.check("rowDots", a, p, out);
    const op = out.byteOffset + outOff * 4;
    this.exports.rowDots(a.byteOffset, p.byteOffset, rows, k, op, outStride);
  }

  pairBackward(
    g: Float32Array,
    gOff: number,
    gStride: number,
    a: Float32Array,
    p: Float32Array,
    rows: number,
    k: number,
    dA: Float32Array,
    dP: Float32Array,
  ): void {
    this.check("pairBackward", g, a, p, dA, dP);
    const gp = g.byteOffset + gOff * 4;
    this.exports.pairBackward(
      gp,
      gStride,
      a.byteOffset,
      p.byteOffset,
      rows,
      k,
      dA.byteOffset,
      dP.byteOffset,
    );
  }

  axpy(
    alpha: number,
    x: Float32Array,
    xOff: number,
    y: Float32Array,
    yOff: number,
    k: number,
  ): void {
    this.check("axpy", x, y);
    if (alpha === 0) return;
    this.exports.axpy(alpha, x.byteOffset + xOff * 4, y.byteOffset + yOff * 4, k);
  }

  bceRows(
    rows: ScoreRows,
    negativeLabel: number,
    negativeWeight: number,
    positiveWeight: number,
    scale: number,
  ): number {
    this.check("bceRows", rows.scores, rows.grad);
    return this.exports.bceRows(
      rows.scores.byteOffset,
      rows.grad.byteOffset,
      rows.rows,
      rows.width,
      negativeLabel,
      negativeWeight,
      positiveWeight,
      scale,
    );
  }

  softmaxRows(rows: ScoreRows, scale: number): number {
    this.check("softmaxRows", rows.scores, rows.grad);
    return this.exports.softmaxRows(
      rows.scores.byteOffset,
      rows.grad.byteOffset,
      rows.rows,
      rows.width,
      scale,
    );
  }

  gatherRows(
    src: Float32Array,
    srcRows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void {
    this.check("gatherRows", src, srcRows, dst);
    this.exports.gatherRows(src.byteOffset, srcRows.byteOffset, count, k, dst.byteOffset);
  }

  scatterAddRows(
    src: Float32Array,
    count: number,
    k: number,
    dst: Float32Array,
    rows: Int32Array,
  ): void {
    this.check("scatterAddRows", src, rows, dst);
    this.exports.scatterAddRows(src.byteOffset, count, k, dst.byteOffset, rows.byteOffset);
  }

  gatherAddRows(
    src: Float32Array,
    rows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void {
    this.check("gatherAddRows", src, rows, dst);
    this.exports.gatherAddRows(src.byteOffset, rows.byteOffset, count, k, dst.byteOffset);
  }

  rowwiseAdagrad(
    w: Float32Array,
    g: Float32Array,
    acc: Float32Array,
    count: number,
    k: number,
    learningRate: number,
    eps: number,
  ): void {
    this.check("rowwiseAdagrad", w, g, acc);
    this.exports.rowwiseAdagrad(
      w.byteOffset,
      g.byteOffset,
      acc.byteOffset,
      count,
      k,
      learningRate,
      eps,
    );
  }

  adagrad(
    w: Float32Array,
    g: Float32Array,
    gOff: number,
    acc: Float32Array,
    n: number,
    learningRate: number,
    eps: number,
  ): void {
    this.check("adagrad", w, g, acc);
    const { adagrad } = this.exports;
    adagrad(w.byteOffset, g.byteOffset + gOff * 4, acc.byteOffset, n, learningRate, eps);
  }
}

/**
 * The WebAssembly SIMD step kernels with an arena of `capacityFloats` (sized by the step). Node 20
 * always has WebAssembly SIMD; an engine without it is a BackendError.
 */
export function createStepKernels(capacityFloats: number): StepKernels {
  const instance = instantiateWasm(SIMD_KERNELS_BASE64, capacityFloats * 4);
  if (instance === null) {
    throw new BackendError("The TwHIN step needs WebAssembly SIMD (Node >= 20).");
  }
  return new SimdKernels(instance);
}
