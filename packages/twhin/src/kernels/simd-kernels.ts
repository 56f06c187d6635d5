import { BackendError } from "@tml/core";
import type { MatrixView } from "./gemm.js";
import type { ScoreRows } from "./score-losses.js";
import { SIMD_KERNELS_BASE64 } from "./simd-bytes.js";
import { jsKernels, type KernelKind, type StepKernels } from "./step-kernels.js";

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
  rowwiseAdagrad(
    w: number,
    g: number,
    acc: number,
    count: number,
    k: number,
    learningRate: number,
    eps: number,
  ): void;
}

// The slice of the WebAssembly JS API used here (@types/node 20 does not declare it).
interface WasmModule {
  readonly wasmModule: unique symbol;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE_BYTES = 65536;
// Scratch arrays start 16-byte aligned, after the module's static data (its math tables).
const ALIGN = 16;

let compiled: WasmModule | null | undefined;

/** The compiled kernel module, or null where this engine lacks WebAssembly SIMD. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(SIMD_KERNELS_BASE64, "base64")) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when this JS engine runs WebAssembly SIMD (Node >= 16.4). */
export function simdAvailable(): boolean {
  return kernelModule() !== null;
}

/** Floats of arena needed for arrays of these lengths (each rounded up to the alignment). */
export function arenaFloats(lengths: number[]): number {
  let total = 0;
  for (const length of lengths) total += Math.ceil(length / (ALIGN / 4)) * (ALIGN / 4);
  return total;
}

/**
 * WebAssembly SIMD kernels over one fixed-size memory (never grown, so views stay valid).
 * Arrays allocated here run in wasm; any other array (a table, a caller's buffer) falls back to
 * the JS kernel, so results never depend on where an array lives.
 */
class SimdKernels implements StepKernels {
  readonly kind = "simd";
  private readonly buffer: ArrayBuffer;
  private readonly exports: KernelExports;
  private readonly js = jsKernels();
  private readonly heap: Float32Array;
  private next = 0;
  private end = 0;

  constructor(api: WasmApi, module: WasmModule, capacityFloats: number) {
    // The module's data segments need their page even before the instance reports its heap base.
    const reserve = 4 * PAGE_BYTES;
    const pages = Math.ceil((capacityFloats * 4 + reserve) / PAGE_BYTES);
    const memory = new api.Memory({ initial: pages, maximum: pages });
    const instance = new api.Instance(module, { env: { memory } });
    this.exports = instance.exports as unknown as KernelExports;
    const heapBase = this.exports.heapBase();
    if (heapBase > reserve) {
      throw new BackendError(
        `SIMD kernels: static data ends at ${heapBase}, past the ${reserve}-byte reserve.`,
      );
    }
    this.next = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.end = this.next + capacityFloats * 4;
    this.buffer = memory.buffer;
    this.heap = new Float32Array(this.buffer);
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

  private owns(x: Float32Array | Int32Array): boolean {
    return x.buffer === this.buffer;
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
    if (!(this.owns(a) && this.owns(c) && this.owns(out.data))) {
      this.js.gemmNT(a, aOff, n, c, cOff, m, k, out);
      return;
    }
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
    if (!(this.owns(g.data) && this.owns(c) && this.owns(out))) {
      this.js.gemmNNAccumulate(g, n, m, c, cOff, k, out, outOff);
      return;
    }
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
    if (!(this.owns(g.data) && this.owns(a) && this.owns(out))) {
      this.js.gemmTNAccumulate(g, n, m, a, aOff, k, out, outOff);
      return;
    }
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
    if (!(this.owns(a) && this.owns(p) && this.owns(out))) {
      this.js.rowDots(a, p, rows, k, out, outOff, outStride);
      return;
    }
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
    if (!(this.owns(g) && this.owns(a) && this.owns(p) && this.owns(dA) && this.owns(dP))) {
      this.js.pairBackward(g, gOff, gStride, a, p, rows, k, dA, dP);
      return;
    }
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
    if (!(this.owns(x) && this.owns(y))) {
      this.js.axpy(alpha, x, xOff, y, yOff, k);
      return;
    }
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
    if (!(this.owns(rows.scores) && this.owns(rows.grad)))
      return this.js.bceRows(rows, negativeLabel, negativeWeight, positiveWeight, scale);
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

  gatherRows(
    src: Float32Array,
    srcRows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void {
    if (!(this.owns(src) && this.owns(srcRows) && this.owns(dst))) {
      this.js.gatherRows(src, srcRows, count, k, dst);
      return;
    }
    this.exports.gatherRows(src.byteOffset, srcRows.byteOffset, count, k, dst.byteOffset);
  }

  scatterAddRows(
    src: Float32Array,
    count: number,
    k: number,
    dst: Float32Array,
    rows: Int32Array,
  ): void {
    if (!(this.owns(src) && this.owns(rows) && this.owns(dst))) {
      this.js.scatterAddRows(src, count, k, dst, rows);
      return;
    }
    this.exports.scatterAddRows(src.byteOffset, count, k, dst.byteOffset, rows.byteOffset);
  }

  gatherAddRows(
    src: Float32Array,
    rows: Int32Array,
    count: number,
    k: number,
    dst: Float32Array,
  ): void {
    if (!(this.owns(src) && this.owns(rows) && this.owns(dst))) {
      this.js.gatherAddRows(src, rows, count, k, dst);
      return;
    }
    this.exports.gatherAddRows(src.byteOffset, rows.byteOffset, count, k, dst.byteOffset);
  }

  copyRow(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, k: number): void {
    if (!(this.owns(src) && this.owns(dst))) {
      this.js.copyRow(src, srcOff, dst, dstOff, k);
      return;
    }
    const from = src.byteOffset / 4 + srcOff;
    this.heap.copyWithin(dst.byteOffset / 4 + dstOff, from, from + k);
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
    if (!(this.owns(w) && this.owns(g) && this.owns(acc))) {
      this.js.rowwiseAdagrad(w, g, acc, count, k, learningRate, eps);
      return;
    }
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
}

/**
 * Kernels of `kind` with an arena of `capacityFloats` (SIMD only; JS arrays are separate
 * allocations). "simd" where WebAssembly SIMD is missing is a BackendError; "auto" picks SIMD
 * when available.
 */
export function createStepKernels(kind: KernelKind | "auto", capacityFloats: number): StepKernels {
  if (kind === "js") return jsKernels();
  const module = kernelModule();
  if (module === null || !wasm) {
    if (kind === "auto") return jsKernels();
    throw new BackendError(
      "kernels: simd needs WebAssembly SIMD (Node >= 16.4); use kernels: js or auto.",
    );
  }
  return new SimdKernels(wasm, module, capacityFloats);
}
