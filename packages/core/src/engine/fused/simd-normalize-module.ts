// A small WebAssembly SIMD module, assembled here byte by byte, holding the inner column loops of
// the fused normalisation kernels (normalize-kernels.ts). It imports the tfjs wasm backend's
// memory, so it reads and writes tensors where they live; JS keeps the per-group arithmetic and
// the tails (< 4 columns). Moments and gradient sums accumulate in float64 (f64x2 pairs), as the
// JS loops do; element-wise outputs are computed in float32 in the centred form (x − μ)·r, the
// rounding of the stock tfjs chain. Same approach as optim/simd-update-module.ts.

import { type WasmMemory, webAssembly } from "../../optim/simd-update-module.js";

/**
 * The loops, over byte offsets into the imported memory. `quads` = column count ÷ 4; f64
 * accumulator arrays are addressed at twice the float32 offset. Functions returning a sum leave a
 * second one in the exported global `second`.
 */
export interface SimdNormalizeExports {
  /** Σ(x − pivot) over one row (returned) and Σ(x − pivot)² (in `second`), float64. */
  rowMoments(x: number, quads: number, pivot: number): number;
  /** y = clamp(((x − μ)·r)·γ + β, lower, upper) along one row. */
  rowAffine(
    x: number,
    y: number,
    gamma: number,
    beta: number,
    quads: number,
    mu: number,
    r: number,
    lower: number,
    upper: number,
  ): void;
  /** out = dy where floor ≤ ((x − μ)·r)·γ + β ≤ upper, else 0, along one row. */
  rowMask(
    x: number,
    dy: number,
    out: number,
    gamma: number,
    beta: number,
    quads: number,
    mu: number,
    r: number,
    floor: number,
    upper: number,
  ): void;
  /**
   * Along one row with g = dy·γ: returns Σg, leaves Σg·x in `second`, and adds dy to sumDy[c]
   * and dy·(x·r + center) to sumDyXhat[c] (float64 arrays).
   */
  rowGradSums(
    dy: number,
    x: number,
    gamma: number,
    sumDy: number,
    sumDyXhat: number,
    quads: number,
    r: number,
    center: number,
  ): number;
  /** dx = (dy·γ)·r + (x − μ)·slope + c along one row. */
  rowGradOut(
    dy: number,
    x: number,
    gamma: number,
    dx: number,
    quads: number,
    r: number,
    mu: number,
    slope: number,
    c: number,
  ): void;
  /** Per column: totals += x − x0, squares += (x − x0)² (float64 arrays), one row. */
  colMoments(x: number, x0: number, totals: number, squares: number, quads: number): void;
  /** y = clamp((x − mean)·scale + beta, lower, upper), per-column vectors, one row. */
  colAffine(
    x: number,
    y: number,
    mean: number,
    scale: number,
    beta: number,
    quads: number,
    lower: number,
    upper: number,
  ): void;
  /** out = dy where floor ≤ (x − mean)·scale + beta ≤ upper, else 0, one row. */
  colMask(
    x: number,
    dy: number,
    out: number,
    mean: number,
    scale: number,
    beta: number,
    quads: number,
    floor: number,
    upper: number,
  ): void;
  /** Per column: sumDy += dy, sumDyX += dy·x (float64 arrays), one row. */
  colGradSums(dy: number, x: number, sumDy: number, sumDyX: number, quads: number): void;
  /** dx = gain·dy + slope·(x − mean) + c, per-column vectors, one row. */
  colGradOut(
    dy: number,
    x: number,
    dx: number,
    gain: number,
    slope: number,
    mean: number,
    c: number,
    quads: number,
  ): void;
  /**
   * y = sign(x)·ln(1 + |x|), 0 where x is not finite (float32 polynomial for ln, a few ulps;
   * ln(1 + a) as ln(u)·a / (u − 1) with u = 1 + a keeps small a exact).
   */
  signedLog1p(x: number, y: number, quads: number): void;
  /** The second sum of `rowMoments` / `rowGradSums`. */
  second: { value: number };
}

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

const simd = (code: number) => [0xfd, ...unsignedLeb(code)];

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (index: number) => [0x20, index],
  set: (index: number) => [0x21, index],
  tee: (index: number) => [0x22, index],
  globalSet: (index: number) => [0x24, index],
  i32Const: (value: number) => [0x41, value],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  f64Add: [0xa0],
  // memarg: align log2 2 (float32 arrays), offset 0.
  load: [...simd(0x00), 0x02, 0x00],
  store: [...simd(0x0b), 0x02, 0x00],
  splat32: simd(0x13),
  splat64: simd(0x14),
  lane64: (lane: number) => [...simd(0x21), lane],
  and: simd(0x4e),
  le: simd(0x45),
  ge: simd(0x46),
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  pmin: simd(0xea),
  pmax: simd(0xeb),
  // Lanes 2, 3 of an f32x4 moved to lanes 0, 1 (shuffle of the vector with itself).
  high: [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7],
  promoteLow: simd(0x5f),
  or: simd(0x50),
  bitselect: simd(0x52),
  eq: simd(0x41),
  lt: simd(0x43),
  gt: simd(0x44),
  abs: simd(0xe0),
  div: simd(0xe7),
  i32ShrS: simd(0xac),
  i32Sub: simd(0xb1),
  convertI32: simd(0xfa),
  add64: simd(0xf0),
  sub64: simd(0xf1),
  mul64: simd(0xf2),
};

// v128.const of four equal float32 (or int32) lanes.
function splatConst(value: number, int = false): number[] {
  const lanes = int ? new Int32Array(4).fill(value) : new Float32Array(4).fill(value);
  return [...simd(0x0c), ...new Uint8Array(lanes.buffer)];
}

function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
}

interface LoopContext {
  /** Pointer parameter `index` plus the quad's byte offset (float32 arrays), as code. */
  at(pointer: number): number[];
  /** The same for a float64 array: two v128s per quad, the first at `at64(p)`, the next + 16. */
  at64(pointer: number, half: 0 | 1): number[];
  /** The v128 local holding scalar parameter `index` splatted. */
  scalar(index: number): number;
  /** v128 temporary `index` (zero at entry). */
  temporary(index: number): number;
  /** Code reading a v128 constant of four equal lanes, set once before the loop. */
  constant(value: number, int?: boolean): number[];
}

/**
 * One loop over quads: `pointers` i32 byte offsets, the i32 quad count, then the scalars (f32 or
 * f64, each splatted into a v128 local before the loop). `body` emits one quad's work.
 */
interface LoopSpec {
  name: string;
  pointers: number;
  scalars: ("f32" | "f64")[];
  temporaries: number;
  body(context: LoopContext): number[][];
  /** An f64 result computed after the loop (it may set the global `second`). */
  result?(context: LoopContext): number[][];
}

function loopCode(spec: LoopSpec): { type: number[]; body: number[] } {
  const count = spec.pointers;
  const firstScalar = count + 1;
  const params = firstScalar + spec.scalars.length;
  const counter = params;
  const offset = params + 1;
  const offset64 = params + 2;
  const splats = params + 3;
  const temporaries = splats + spec.scalars.length;
  const constants = new Map<string, { local: number; bytes: number[] }>();
  const firstConstant = temporaries + spec.temporaries;
  const context: LoopContext = {
    at: (pointer) => [...op.get(pointer), ...op.get(offset), ...op.i32Add],
    at64: (pointer, half) => [
      ...op.get(pointer),
      ...op.get(offset64),
      ...op.i32Add,
      ...(half === 1 ? [...op.i32Const(16), ...op.i32Add] : []),
    ],
    scalar: (index) => splats + index,
    temporary: (index) => temporaries + index,
    constant(value, int = false) {
      const key = `${int}:${value}`;
      let entry = constants.get(key);
      if (entry === undefined) {
        entry = { local: firstConstant + constants.size, bytes: splatConst(value, int) };
        constants.set(key, entry);
      }
      return op.get(entry.local);
    },
  };
  // The body first: it registers the constants the prologue sets.
  const body = spec.body(context);
  const result = spec.result?.(context) ?? [];
  const code: number[][] = [];
  spec.scalars.forEach((type, index) => {
    code.push(op.get(firstScalar + index), type === "f32" ? op.splat32 : op.splat64);
    code.push(op.set(splats + index));
  });
  for (const { local, bytes } of constants.values()) code.push(bytes, op.set(local));
  code.push(op.block, op.loop);
  code.push(op.get(counter), op.get(count), op.i32GeU, op.brIf(1));
  code.push(op.get(counter), op.i32Const(4), op.i32Shl, op.tee(offset));
  code.push(op.i32Const(1), op.i32Shl, op.set(offset64));
  code.push(...body);
  code.push(op.get(counter), op.i32Const(1), op.i32Add, op.set(counter), op.br(0));
  code.push(op.end, op.end, ...result, op.end);
  const locals = vector([
    [3, I32],
    [...unsignedLeb(spec.scalars.length + spec.temporaries + constants.size), V128],
  ]);
  const bytes = [...locals, ...code.flat()];
  const paramTypes = [
    ...new Array<number>(spec.pointers + 1).fill(I32),
    ...spec.scalars.map((type) => (type === "f32" ? F32 : F64)),
  ];
  return {
    type: [
      0x60,
      ...unsignedLeb(paramTypes.length),
      ...paramTypes,
      ...(spec.result ? [1, F64] : [0]),
    ],
    body: [...unsignedLeb(bytes.length), ...bytes],
  };
}

// f64x2 pair of float32 quad `local` (lanes 0-1, 2-3) left on the stack as two values.
const promoteLow = (local: number) => [op.get(local), op.promoteLow];
const promoteHigh = (local: number) => [op.get(local), op.get(local), op.high, op.promoteLow];
// Σ of both lanes of accumulators a + b, as an f64 on the stack (uses temporary `scratch`).
const laneSum = (a: number, b: number, scratch: number) => [
  op.get(a),
  op.get(b),
  op.add64,
  op.tee(scratch),
  op.lane64(0),
  op.get(scratch),
  op.lane64(1),
  op.f64Add,
];
// acc += value (f64x2), `value` being code that leaves a v128 on the stack.
const accumulate = (acc: number, value: number[][]) => [
  op.get(acc),
  ...value,
  op.add64,
  op.set(acc),
];
// memory f64x2 at `address` += value.
const accumulateAt = (address: number[], value: number[][]) => [
  address,
  address,
  op.load,
  ...value,
  op.add64,
  op.store,
];

// biome-ignore format: one line per computed value reads better than one instruction per line
const LOOPS: LoopSpec[] = [
  {
    // pointers x; scalars pivot(f64); temps x, lo, hi, t0, t1, s0, s1
    name: "rowMoments",
    pointers: 1,
    scalars: ["f64"],
    temporaries: 7,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      ...promoteLow(t(0)), op.get(s(0)), op.sub64, op.set(t(1)),
      ...promoteHigh(t(0)), op.get(s(0)), op.sub64, op.set(t(2)),
      ...accumulate(t(3), [op.get(t(1))]),
      ...accumulate(t(4), [op.get(t(2))]),
      ...accumulate(t(5), [op.get(t(1)), op.get(t(1)), op.mul64]),
      ...accumulate(t(6), [op.get(t(2)), op.get(t(2)), op.mul64]),
    ],
    result: ({ temporary: t }) => [
      ...laneSum(t(5), t(6), t(0)), op.globalSet(0),
      ...laneSum(t(3), t(4), t(0)),
    ],
  },
  {
    // pointers x y gamma beta; scalars mu r lower upper
    name: "rowAffine",
    pointers: 4,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(1), at(0), op.load, op.get(s(0)), op.sub, op.get(s(1)), op.mul, at(2), op.load, op.mul, at(3), op.load, op.add,
      op.get(s(2)), op.pmax, op.get(s(3)), op.pmin, op.store,
    ],
  },
  {
    // pointers x dy out gamma beta; scalars mu r floor upper; temps value
    name: "rowMask",
    pointers: 5,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 1,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, op.get(s(0)), op.sub, op.get(s(1)), op.mul, at(3), op.load, op.mul, at(4), op.load, op.add, op.set(t(0)),
      at(2), at(1), op.load, op.get(t(0)), op.get(s(2)), op.ge, op.and, op.get(t(0)), op.get(s(3)), op.le, op.and, op.store,
    ],
  },
  {
    // pointers dy x gamma sumDy sumDyXhat; scalars r center (f64);
    // temps dy, x, gamma, dlo, dhi, glo, ghi, sumG, sumG', sumGX, sumGX'
    name: "rowGradSums",
    pointers: 5,
    scalars: ["f64", "f64"],
    temporaries: 11,
    body: ({ at, at64, scalar: s, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      at(1), op.load, op.set(t(1)),
      at(2), op.load, op.set(t(2)),
      ...promoteLow(t(0)), op.set(t(3)),
      ...promoteHigh(t(0)), op.set(t(4)),
      ...promoteLow(t(2)), op.get(t(3)), op.mul64, op.set(t(5)),
      ...promoteHigh(t(2)), op.get(t(4)), op.mul64, op.set(t(6)),
      ...accumulate(t(7), [op.get(t(5))]),
      ...accumulate(t(8), [op.get(t(6))]),
      ...accumulate(t(9), [op.get(t(5)), ...promoteLow(t(1)), op.mul64]),
      ...accumulate(t(10), [op.get(t(6)), ...promoteHigh(t(1)), op.mul64]),
      ...accumulateAt(at64(3, 0), [op.get(t(3))]),
      ...accumulateAt(at64(3, 1), [op.get(t(4))]),
      ...accumulateAt(at64(4, 0), [op.get(t(3)), ...promoteLow(t(1)), op.get(s(0)), op.mul64, op.get(s(1)), op.add64, op.mul64]),
      ...accumulateAt(at64(4, 1), [op.get(t(4)), ...promoteHigh(t(1)), op.get(s(0)), op.mul64, op.get(s(1)), op.add64, op.mul64]),
    ],
    result: ({ temporary: t }) => [
      ...laneSum(t(9), t(10), t(0)), op.globalSet(0),
      ...laneSum(t(7), t(8), t(0)),
    ],
  },
  {
    // pointers dy x gamma dx; scalars r mu slope c
    name: "rowGradOut",
    pointers: 4,
    scalars: ["f32", "f32", "f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(3), at(0), op.load, at(2), op.load, op.mul, op.get(s(0)), op.mul,
      at(1), op.load, op.get(s(1)), op.sub, op.get(s(2)), op.mul, op.add, op.get(s(3)), op.add, op.store,
    ],
  },
  {
    // pointers x x0 totals squares; temps lo, hi
    name: "colMoments",
    pointers: 4,
    scalars: [],
    temporaries: 3,
    body: ({ at, at64, temporary: t }) => [
      at(0), op.load, op.set(t(2)),
      ...promoteLow(t(2)), at(1), op.load, op.promoteLow, op.sub64, op.set(t(0)),
      ...promoteHigh(t(2)), at(1), op.load, op.set(t(2)), ...promoteHigh(t(2)), op.sub64, op.set(t(1)),
      ...accumulateAt(at64(2, 0), [op.get(t(0))]),
      ...accumulateAt(at64(2, 1), [op.get(t(1))]),
      ...accumulateAt(at64(3, 0), [op.get(t(0)), op.get(t(0)), op.mul64]),
      ...accumulateAt(at64(3, 1), [op.get(t(1)), op.get(t(1)), op.mul64]),
    ],
  },
  {
    // pointers x y mean scale beta; scalars lower upper
    name: "colAffine",
    pointers: 5,
    scalars: ["f32", "f32"],
    temporaries: 0,
    body: ({ at, scalar: s }) => [
      at(1), at(0), op.load, at(2), op.load, op.sub, at(3), op.load, op.mul, at(4), op.load, op.add,
      op.get(s(0)), op.pmax, op.get(s(1)), op.pmin, op.store,
    ],
  },
  {
    // pointers x dy out mean scale beta; scalars floor upper; temps value
    name: "colMask",
    pointers: 6,
    scalars: ["f32", "f32"],
    temporaries: 1,
    body: ({ at, scalar: s, temporary: t }) => [
      at(0), op.load, at(3), op.load, op.sub, at(4), op.load, op.mul, at(5), op.load, op.add, op.set(t(0)),
      at(2), at(1), op.load, op.get(t(0)), op.get(s(0)), op.ge, op.and, op.get(t(0)), op.get(s(1)), op.le, op.and, op.store,
    ],
  },
  {
    // pointers dy x sumDy sumDyX; temps dy, x
    name: "colGradSums",
    pointers: 4,
    scalars: [],
    temporaries: 2,
    body: ({ at, at64, temporary: t }) => [
      at(0), op.load, op.set(t(0)),
      at(1), op.load, op.set(t(1)),
      ...accumulateAt(at64(2, 0), [...promoteLow(t(0))]),
      ...accumulateAt(at64(2, 1), [...promoteHigh(t(0))]),
      ...accumulateAt(at64(3, 0), [...promoteLow(t(0)), ...promoteLow(t(1)), op.mul64]),
      ...accumulateAt(at64(3, 1), [...promoteHigh(t(0)), ...promoteHigh(t(1)), op.mul64]),
    ],
  },
  {
    // pointers dy x dx gain slope mean c
    name: "colGradOut",
    pointers: 7,
    scalars: [],
    temporaries: 0,
    body: ({ at }) => [
      at(2), at(3), op.load, at(0), op.load, op.mul,
      at(1), op.load, at(5), op.load, op.sub, at(4), op.load, op.mul, op.add, at(6), op.load, op.add, op.store,
    ],
  },
  {
    // pointers x y; temps x, a, u, e, m, big, f, z, p
    name: "signedLog1p",
    pointers: 2,
    scalars: [],
    temporaries: 9,
    body: ({ at, temporary: t, constant }) => {
      const [x, a, u, e, m, big, f, z, p] = [t(0), t(1), t(2), t(3), t(4), t(5), t(6), t(7), t(8)];
      // Cephes logf: ln m = f − z/2 + f·z·P(f) + e·ln 2 (ln 2 split in two), m ∈ [√½, √2).
      const coefficients = [
        7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
        -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
      ];
      const horner: number[][] = [constant(coefficients[0]!)];
      for (const c of coefficients.slice(1)) horner.push(op.get(f), op.mul, constant(c), op.add);
      return [
        at(0), op.load, op.tee(x), op.abs, op.tee(a), constant(1), op.add, op.tee(u),
        op.i32Const(23), op.i32ShrS, constant(127, true), op.i32Sub, op.set(e),
        op.get(u), constant(0x7fffff, true), op.and, constant(0x3f800000, true), op.or, op.tee(m),
        constant(Math.SQRT2), op.gt, op.set(big),
        op.get(m), constant(0.5), op.mul, op.get(m), op.get(big), op.bitselect, constant(1), op.sub, op.tee(f),
        op.get(f), op.mul, op.set(z),
        op.get(e), op.get(big), op.i32Sub, op.convertI32, op.set(e),
        ...horner, op.get(f), op.mul, op.get(z), op.mul,
        op.get(e), constant(-2.12194440e-4), op.mul, op.add,
        op.get(z), constant(0.5), op.mul, op.sub,
        op.get(f), op.add,
        op.get(e), constant(0.693359375), op.mul, op.add, op.set(p),
        // ln(u)·a/(u − 1), or a itself where u rounds to 1.
        at(1),
        op.get(a), op.get(p), op.get(a), op.get(u), constant(1), op.sub, op.div, op.mul,
        op.get(u), constant(1), op.eq, op.bitselect,
        op.get(x), constant(-0x80000000, true), op.and, op.or,
        op.get(a), constant(Number.POSITIVE_INFINITY), op.lt, op.and,
        op.store,
      ];
    },
  },
];

/** The module's bytes (exported for its validation test). */
export function simdNormalizeModuleBytes(): Uint8Array {
  const codes = LOOPS.map(loopCode);
  const f64Zero = [0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(codes.map((code) => code.type))),
    // import env.memory: memory, limits flag 0, minimum 0 pages.
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
    ...section(3, vector(codes.map((_, index) => unsignedLeb(index)))),
    // global 0: mutable f64 `second`, initially 0.
    ...section(6, vector([[F64, 0x01, ...f64Zero]])),
    ...section(
      7,
      vector([
        ...LOOPS.map((loop, index) => [...name(loop.name), 0x00, index]),
        [...name("second"), 0x03, 0],
      ]),
    ),
    ...section(10, vector(codes.map((code) => code.body))),
  ];
  return Uint8Array.from(bytes);
}

const instances = new WeakMap<WasmMemory, SimdNormalizeExports | null>();

/**
 * The loops bound to `memory` (the tfjs wasm backend's), or undefined where this runtime cannot
 * compile WebAssembly SIMD. Compiled once per memory.
 */
export function simdNormalizeLoops(memory: WasmMemory): SimdNormalizeExports | undefined {
  let exports = instances.get(memory);
  if (exports === undefined) {
    try {
      const module = new webAssembly!.Module(simdNormalizeModuleBytes());
      const instance = new webAssembly!.Instance(module, { env: { memory } });
      exports = instance.exports as SimdNormalizeExports;
    } catch {
      exports = null;
    }
    instances.set(memory, exports);
  }
  return exports ?? undefined;
}
