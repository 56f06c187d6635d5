// The optimizer update rules as a WebAssembly SIMD module (AssemblyScript source:
// wasm/simd-update-module.ts) that runs over float32 arrays living in the tfjs wasm backend's own
// memory: it imports that memory, so parameters and gradients are read where they are, without
// copies. One pass per variable, four lanes per instruction; the scalar JS loop does 5-8 ns per
// Adam element, this ~1.

import { SIMD_UPDATE_MODULE_BASE64 } from "./simd-update-module-bytes.js";

/** Update rules over byte offsets into the imported memory; `quads` = element count ÷ 4. */
export interface SimdUpdateExports {
  /** m' = b1·m + ob1·g·s; v' = b2·v + ob2·(g·s)²; p' = p − (m' / (√v' + eps))·step. */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    outP: number,
    outM: number,
    outV: number,
    quads: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    step: number,
    epsilon: number,
    scale: number,
  ): void;
  /** b' = μ·b + g·s; p' = p − lr·b'. */
  momentum(
    p: number,
    g: number,
    b: number,
    outP: number,
    outB: number,
    quads: number,
    momentum: number,
    learningRate: number,
    scale: number,
  ): void;
  /** out = previous + g·scale (gradient accumulation). */
  accumulate(g: number, previous: number, out: number, quads: number, scale: number): void;
  /** out = g·scale (first micro-batch of an accumulation window). */
  scale(g: number, out: number, quads: number, scale: number): void;
  /** Σ x² over the quads, summed in float64. */
  sumSquares(x: number, quads: number): number;
  /** p' = p − (g·s)·lr. */
  sgd(p: number, g: number, outP: number, quads: number, learningRate: number, scale: number): void;
  /** s' = s + (g·c)²; p' = p − ((g·c)/(√s' + eps))·lr, no change where √s' + eps = 0. */
  adagrad(
    p: number,
    g: number,
    s: number,
    outP: number,
    outS: number,
    quads: number,
    learningRate: number,
    epsilon: number,
    scale: number,
  ): void;
}

/** A WebAssembly.Memory (the TypeScript libs of this repo carry no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** The slice of the WebAssembly API this module uses. */
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly API, or undefined where there is none. */
export const webAssembly = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Decodes a base64 WebAssembly module (the generated `*-bytes.ts` modules). */
export function decodeWasm(base64: string): Uint8Array {
  const bytes = Buffer.from(base64, "base64");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A function binding the module of `bytes` to a memory: its exports on that memory, instantiated
 * once per memory, or undefined where this runtime cannot compile WebAssembly SIMD.
 */
export function memoryBinder<Exports>(
  bytes: () => Uint8Array,
): (memory: WasmMemory) => Exports | undefined {
  const instances = new WeakMap<WasmMemory, Exports | null>();
  return (memory) => {
    let exports = instances.get(memory);
    if (exports === undefined) {
      try {
        const module = new webAssembly!.Module(bytes());
        exports = new webAssembly!.Instance(module, { env: { memory } }).exports as Exports;
      } catch {
        exports = null;
      }
      instances.set(memory, exports);
    }
    return exports ?? undefined;
  };
}

/** The module's bytes. */
export function simdUpdateModuleBytes(): Uint8Array {
  return decodeWasm(SIMD_UPDATE_MODULE_BASE64);
}

/**
 * The update kernels bound to `memory` (the tfjs wasm backend's), or undefined when this runtime
 * cannot compile WebAssembly SIMD. Compiled once per memory.
 */
export const simdUpdateKernels = memoryBinder<SimdUpdateExports>(simdUpdateModuleBytes);
