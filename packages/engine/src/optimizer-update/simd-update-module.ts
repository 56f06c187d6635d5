// A tiny WebAssembly SIMD module, assembled here byte by byte, that runs the optimizer update
// rules over float32 arrays living in the tfjs wasm backend's own memory (it imports that memory,
// so parameters and gradients are read where they are, without copies). One pass per variable,
// four lanes per instruction; the scalar JS loop does 5-8 ns per Adam element, this ~1.

import {
  F32,
  F64,
  I32,
  name,
  section,
  op as sharedOp,
  splatConst,
  unsignedLeb,
  V128,
  vector,
} from "../fused/simd-assembler.js";

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

// The shared opcodes, plus the few only the update rules use.
const op = {
  ...sharedOp,
  splat: sharedOp.splat32,
  zero: splatConst(0),
  andNot: [0xfd, 0x4f],
  sqrt: [0xfd, 0xe3, 0x01],
};

/**
 * One kernel: `pointers` i32 byte offsets, then the i32 quad count, then `scalars` f32 values
 * (each splatted into a v128 local before the loop). `body(ctx)` emits one quad's work with the
 * byte offset of the quad in local `ctx.offset`.
 */
interface KernelSpec {
  name: string;
  pointers: number;
  scalars: number;
  /** Extra v128 temporaries (zero at entry). */
  temporaries: number;
  body(ctx: KernelContext): number[][];
  /** An f64 result, computed after the loop. */
  result?(ctx: KernelContext): number[][];
}

interface KernelContext {
  /** i32 local holding the pointer parameter `index` plus the current byte offset, as code. */
  at(pointer: number): number[];
  /** v128 local holding splatted scalar `index`. */
  scalar(index: number): number;
  /** v128 temporary `index`. */
  temporary(index: number): number;
}

function kernelCode(spec: KernelSpec): { type: number[]; body: number[] } {
  const count = spec.pointers;
  const firstScalar = count + 1;
  const params = spec.pointers + 1 + spec.scalars;
  const counter = params;
  const offset = params + 1;
  const splats = params + 2;
  const temporaries = splats + spec.scalars;
  const context: KernelContext = {
    at: (pointer) => [...op.get(pointer), ...op.get(offset), ...op.i32Add],
    scalar: (index) => splats + index,
    temporary: (index) => temporaries + index,
  };
  const code: number[][] = [];
  for (let index = 0; index < spec.scalars; index++) {
    code.push(op.get(firstScalar + index), op.splat, op.set(splats + index));
  }
  code.push(op.block, op.loop);
  code.push(op.get(counter), op.get(count), op.i32GeU, op.brIf(1));
  code.push(op.get(counter), op.i32Const(4), op.i32Shl, op.set(offset));
  code.push(...spec.body(context));
  code.push(op.get(counter), op.i32Const(1), op.i32Add, op.set(counter), op.br(0));
  code.push(op.end, op.end, ...(spec.result?.(context) ?? []), op.end);
  const locals = vector([
    [2, I32],
    [...unsignedLeb(spec.scalars + spec.temporaries), V128],
  ]);
  const body = [...locals, ...code.flat()];
  const paramTypes = [...new Array<number>(spec.pointers + 1).fill(I32)];
  for (let index = 0; index < spec.scalars; index++) paramTypes.push(F32);
  return {
    type: [
      0x60,
      ...unsignedLeb(paramTypes.length),
      ...paramTypes,
      ...(spec.result ? [1, F64] : [0]),
    ],
    body: [...unsignedLeb(body.length), ...body],
  };
}

// Each kernel mirrors the op order of its tensor rule (update-rules.ts), so both round alike.
// biome-ignore format: one line per stored result reads better than one instruction per line
const KERNELS: KernelSpec[] = [
  {
    // pointers p g m v outP outM outV; scalars b1 ob1 b2 ob2 step eps scale; temps g m' v'
    name: "adam",
    pointers: 7,
    scalars: 7,
    temporaries: 3,
    body: ({ at, scalar: s, temporary: t }) => [
      at(1), op.load, op.get(s(6)), op.mul, op.set(t(0)),
      at(5), at(2), op.load, op.get(s(0)), op.mul, op.get(t(0)), op.get(s(1)), op.mul, op.add, op.tee(t(1)), op.store,
      at(6), at(3), op.load, op.get(s(2)), op.mul, op.get(t(0)), op.get(t(0)), op.mul, op.get(s(3)), op.mul, op.add, op.tee(t(2)), op.store,
      at(4), at(0), op.load, op.get(t(1)), op.get(t(2)), op.sqrt, op.get(s(5)), op.add, op.div, op.get(s(4)), op.mul, op.sub, op.store,
    ],
  },
  {
    // pointers p g b outP outB; scalars momentum lr scale; temp b'
    name: "momentum",
    pointers: 5,
    scalars: 3,
    temporaries: 1,
    body: ({ at, scalar: s, temporary: t }) => [
      at(4), at(2), op.load, op.get(s(0)), op.mul, at(1), op.load, op.get(s(2)), op.mul, op.add, op.tee(t(0)), op.store,
      at(3), at(0), op.load, op.get(t(0)), op.get(s(1)), op.mul, op.sub, op.store,
    ],
  },
  {
    // pointers p g outP; scalars lr scale
    name: "sgd",
    pointers: 3,
    scalars: 2,
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(2), at(0), op.load, at(1), op.load, op.get(s(1)), op.mul, op.get(s(0)), op.mul, op.sub, op.store,
    ],
  },
  {
    // pointers p g s outP outS; scalars lr eps scale; temps g s' denominator
    name: "adagrad",
    pointers: 5,
    scalars: 3,
    temporaries: 3,
    body: ({ at, scalar: s, temporary: t }) => [
      at(1), op.load, op.get(s(2)), op.mul, op.set(t(0)),
      at(4), at(2), op.load, op.get(t(0)), op.get(t(0)), op.mul, op.add, op.tee(t(1)), op.store,
      op.get(t(1)), op.sqrt, op.get(s(1)), op.add, op.set(t(2)),
      // (g / d)·lr with the lanes where d = 0 cleared (0/0 would be NaN there).
      at(3), at(0), op.load, op.get(t(0)), op.get(t(2)), op.div, op.get(t(2)), op.zero, op.eq, op.andNot, op.get(s(0)), op.mul, op.sub, op.store,
    ],
  },
  {
    // pointers g previous out; scalars scale
    name: "accumulate",
    pointers: 3,
    scalars: 1,
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(2), at(1), op.load, at(0), op.load, op.get(s(0)), op.mul, op.add, op.store,
    ],
  },
  {
    // pointers g out; scalars scale
    name: "scale",
    pointers: 2,
    scalars: 1,
    temporaries: 0,
    body: ({ at, scalar: s }) => [at(1), at(0), op.load, op.get(s(0)), op.mul, op.store],
  },
  {
    // pointers x; temps x, Σ lanes 0-1, Σ lanes 2-3 (float64)
    name: "sumSquares",
    pointers: 1,
    scalars: 0,
    temporaries: 3,
    body: ({ at, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      op.get(t(1)), op.get(t(0)), op.promoteLow, op.get(t(0)), op.promoteLow, op.mul64, op.add64, op.set(t(1)),
      op.get(t(0)), op.get(t(0)), op.high, op.promoteLow, op.tee(t(0)), op.get(t(0)), op.mul64,
      op.get(t(2)), op.add64, op.set(t(2)),
    ],
    result: ({ temporary: t }) => [
      op.get(t(1)), op.get(t(2)), op.add64, op.tee(t(0)), op.lane64(0), op.get(t(0)), op.lane64(1), op.f64Add,
    ],
  },
];

/** The module's bytes (exported for its validation test). */
export function simdUpdateModuleBytes(): Uint8Array {
  const codes = KERNELS.map(kernelCode);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(codes.map((code) => code.type))),
    // import env.memory: memory, limits flag 0, minimum 0 pages.
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vector(codes.map((_, index) => unsignedLeb(index)))),
    ...section(7, vector(KERNELS.map((kernel, index) => [...name(kernel.name), 0x00, index]))),
    ...section(10, vector(codes.map((code) => code.body))),
  ];
  return Uint8Array.from(bytes);
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

const instances = new WeakMap<WasmMemory, SimdUpdateExports | null>();

/**
 * The update kernels bound to `memory` (the tfjs wasm backend's), or undefined when this runtime
 * cannot compile WebAssembly SIMD. Compiled once per memory.
 */
export function simdUpdateKernels(memory: WasmMemory): SimdUpdateExports | undefined {
  let exports = instances.get(memory);
  if (exports === undefined) {
    try {
      const module = new webAssembly!.Module(simdUpdateModuleBytes());
      const instance = new webAssembly!.Instance(module, { env: { memory } });
      exports = instance.exports as SimdUpdateExports;
    } catch {
      exports = null;
    }
    instances.set(memory, exports);
  }
  return exports ?? undefined;
}
