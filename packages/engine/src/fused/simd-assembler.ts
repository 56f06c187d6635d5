// A minimal WebAssembly assembler for SIMD loops over float32 arrays in an imported memory: the
// opcodes the fused kernels use, one loop shape (pointers, a quad count, splatted scalars,
// hoisted constants) and the module layout. optim/simd-update-module.ts builds its own loop
// shape on the value types and section encoders exported here.

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

const simd = (code: number) => [0xfd, ...unsignedLeb(code)];

export const op = {
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
export function splatConst(value: number, int = false): number[] {
  const lanes = int ? new Int32Array(4).fill(value) : new Float32Array(4).fill(value);
  return [...simd(0x0c), ...new Uint8Array(lanes.buffer)];
}

export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

export function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

export function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

export function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsignedLeb(bytes.length), ...bytes];
}

export interface LoopContext {
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
export interface LoopSpec {
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
export const promoteLow = (local: number) => [op.get(local), op.promoteLow];
export const promoteHigh = (local: number) => [
  op.get(local),
  op.get(local),
  op.high,
  op.promoteLow,
];
// Σ of both lanes of accumulators a + b, as an f64 on the stack (uses temporary `scratch`).
export const laneSum = (a: number, b: number, scratch: number) => [
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
export const accumulate = (acc: number, value: number[][]) => [
  op.get(acc),
  ...value,
  op.add64,
  op.set(acc),
];
// memory f64x2 at `address` += value.
export const accumulateAt = (address: number[], value: number[][]) => [
  address,
  address,
  op.load,
  ...value,
  op.add64,
  op.store,
];

/**
 * A module of `loops` (exported by name, in order) importing env.memory, with one mutable f64
 * global exported as `second`.
 */
export function moduleBytes(loops: readonly LoopSpec[]): Uint8Array {
  const codes = loops.map(loopCode);
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
        ...loops.map((loop, index) => [...name(loop.name), 0x00, index]),
        [...name("second"), 0x03, 0],
      ]),
    ),
    ...section(10, vector(codes.map((code) => code.body))),
  ];
  return Uint8Array.from(bytes);
}
