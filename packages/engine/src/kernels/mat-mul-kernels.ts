import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  _FusedMatMul,
  Add,
  BatchMatMul,
  broadcast_util,
  Elu,
  type KernelConfig,
  type KernelFunc,
  LeakyRelu,
  type NamedAttrMap,
  Prelu,
  Relu,
  Relu6,
  Sigmoid,
  type TensorInfo,
  Transpose,
  util,
} from "@tensorflow/tfjs-core";
import type { OrtRuntime } from "../ort-runtime.js";
import type { PlatformBlas } from "../platform-blas.js";
import { blasCan, runOnBlas } from "./mat-mul-blas.js";
import { type MatMulSpec, matMulGraph, matMulKey, type OrtActivation } from "./mat-mul-graph.js";
import { stockKernel } from "./stock-kernels.js";

/** How many products each route took since the kernels were registered (for tests and logs). */
export interface MatMulRouteCounts {
  /** Ran on the platform BLAS's sgemm, reading and writing the wasm heap in place. */
  blas: number;
  /** Ran on onnxruntime's sgemm, reading and writing the wasm heap in place. */
  onnxruntime: number;
  /** Ran on the stock wasm kernel (XNNPACK) after transposing inputs that needed it. */
  xnnpack: number;
  /** Of the onnxruntime products, those whose A was transposed into scratch first. */
  transposedA: number;
  /** Of the BLAS and onnxruntime products, those run on one thread (under `minParallelFlops`). */
  serial: number;
}

/** Options of the re-registered matrix-product kernels. */
export interface MatMulKernelOptions {
  /** The onnxruntime route, or undefined to use XNNPACK only. */
  runtime: OrtRuntime | undefined;
  /**
   * The platform BLAS route for products without a fused activation (bias allowed on plain
   * matrices), or undefined; the others go to onnxruntime.
   */
  blas?: PlatformBlas | undefined;
  /** Products under this many flops (2·M·N·K·batch) skip onnxruntime's call overhead. */
  minOrtFlops: number;
  /**
   * Products under this many flops run on one thread (waking a pool costs more than it saves):
   * on `serialRuntime` (a one-thread onnxruntime) and on the BLAS with its pool at one thread.
   * Undefined: every product on `runtime`'s and the BLAS's threads.
   */
  minParallelFlops?: number;
  /** The one-thread onnxruntime for products under `minParallelFlops`. */
  serialRuntime?: OrtRuntime | undefined;
  /** The BLAS pool's threads for products of at least `minParallelFlops`. */
  blasThreads?: number;
}

const counts: MatMulRouteCounts = {
  blas: 0,
  onnxruntime: 0,
  xnnpack: 0,
  transposedA: 0,
  serial: 0,
};

/** A snapshot of how many products each route has taken in this process. */
export function matMulRouteCounts(): MatMulRouteCounts {
  return { ...counts };
}

const ORT_ACTIVATIONS = new Set(["linear", "relu", "sigmoid", "elu", "leakyrelu", "prelu"]);

interface ProductArgs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  prelu?: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  activation: string;
  leakyreluAlpha: number;
}

// B..., M, N from the shapes and flags, as tfjs's matMul defines it.
function outputShape(args: ProductArgs): number[] {
  const { a, b, transposeA, transposeB } = args;
  const rows = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const columns = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const innerA = transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const innerB = transposeB ? b.shape.at(-1)! : b.shape.at(-2)!;
  util.assert(
    innerA === innerB,
    () =>
      `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ` +
      `${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const batch = broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  return [...batch, rows, columns];
}

function nativeSpec(args: ProductArgs, outShape: number[], options: MatMulKernelOptions) {
  const { a, b, bias, prelu } = args;
  if (options.runtime === undefined && options.blas === undefined) return undefined;
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  if (bias !== undefined && (bias.dtype !== "float32" || bias.shape.length > outShape.length)) {
    return undefined;
  }
  if (prelu !== undefined && (prelu.dtype !== "float32" || prelu.shape.length > outShape.length)) {
    return undefined;
  }
  if (!ORT_ACTIVATIONS.has(args.activation)) return undefined;
  const inner = args.transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const flops = 2 * util.sizeFromShape(outShape) * inner;
  if (flops === 0 || flops < options.minOrtFlops) return undefined;
  // tfjs hands every product over as rank 3 ([1, M, K]); with no real batch the product is a
  // plain Gemm (MLAS sgemm with transposes and bias), faster than the batched contrib op.
  const plain =
    util.sizeFromShape(a.shape.slice(0, -2)) === 1 &&
    util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  const squeeze = (shape: readonly number[], rank: number) =>
    plain && shape.length > rank && util.sizeFromShape(shape.slice(0, shape.length - rank)) === 1
      ? shape.slice(shape.length - rank)
      : shape;
  const biasShape =
    bias === undefined ? undefined : squeeze(bias.shape, Math.min(bias.shape.length, 2));
  const preluShape =
    prelu === undefined ? undefined : squeeze(prelu.shape, Math.min(prelu.shape.length, 2));
  const spec: MatMulSpec = {
    aShape: squeeze(a.shape, 2),
    bShape: squeeze(b.shape, 2),
    outShape: squeeze(outShape, 2),
    transposeA: args.transposeA,
    transposeB: args.transposeB,
    activation: args.activation as OrtActivation,
    leakyreluAlpha: args.leakyreluAlpha,
    ...(biasShape === undefined ? {} : { biasShape }),
    ...(preluShape === undefined ? {} : { preluShape }),
  };
  return { spec, outShape, flops };
}

function runOnOrt(
  backend: BackendWasm,
  runtime: OrtRuntime,
  args: ProductArgs,
  { spec, outShape }: { spec: MatMulSpec; outShape: number[] },
): TensorInfo {
  const out = backend.makeOutput(outShape, "float32");
  // Views are taken after makeOutput: an allocation may grow the heap and detach older views.
  // Shapes are the spec's (leading ones squeezed); the memory layout is the same.
  const view = (info: TensorInfo, shape: readonly number[]) => ({
    data: backend.typedArrayFromHeap(info) as Float32Array,
    shape,
  });
  const inputs: Record<string, { data: Float32Array; shape: readonly number[] }> = {
    a: view(args.a, spec.aShape),
    b: view(args.b, spec.bShape),
  };
  if (args.bias !== undefined) inputs["bias"] = view(args.bias, spec.biasShape!);
  if (args.prelu !== undefined) inputs["prelu"] = view(args.prelu, spec.preluShape!);
  let run = spec;
  if (transposesAFirst(spec)) {
    const [inner, rows] = spec.aShape as [number, number];
    run = { ...spec, aShape: [rows, inner], transposeA: false };
    inputs["a"] = { data: transposeInto(inputs["a"]!.data, inner, rows), shape: run.aShape };
    counts.transposedA++;
  }
  runtime.run(matMulKey(run), () => matMulGraph(run), inputs, { y: view(out, run.outShape) });
  counts.onnxruntime++;
  return out;
}

/**
 * MLAS's sgemm packs a transposed A slowly: one thread, [K,M]ᵀ·[K,N] runs at ~63-74 GFLOP/s
 * where the same product with A already [M,K] runs at ~83-88, while transposing A costs about
 * 1-2 ns per element. So a plain product with transposeA whose output is at least this many rows
 * and columns transposes A into scratch and runs untransposed. Measured through tfjs (one thread,
 * ms, transA vs copy + NN, best of 15): [512,1024]ᵀ·[512,2776] 35.4 → 32.8; [512,2776]ᵀ·[512,1024]
 * 41.8 → 35.7; [512,2048]ᵀ·[512,4096] 155.7 → 134.3; but [512,256]ᵀ·[512,2048] 6.6 → 7.9 and
 * (ORT alone) 2048×512×256 6.2 → 7.6, so narrow outputs keep transA.
 */
export const TRANSPOSE_A_MIN_DIM = 512;

function transposesAFirst(spec: MatMulSpec): boolean {
  if (!spec.transposeA || spec.aShape.length !== 2) return false;
  const [rows, columns] = spec.outShape.slice(-2) as [number, number];
  return Math.min(rows, columns) >= TRANSPOSE_A_MIN_DIM;
}

let scratch = new Float32Array(0);

/**
 * Writes the transpose of the row-major [rows, columns] `source` into a reused scratch buffer and
 * returns a view of it ([columns, rows]). The view is valid until the next call.
 */
export function transposeInto(source: Float32Array, rows: number, columns: number): Float32Array {
  const size = rows * columns;
  if (scratch.length < size) scratch = new Float32Array(size);
  const target = scratch.subarray(0, size);
  transposeBlocked(source, rows, columns, target);
  return target;
}

// 64×64 tiles, four source rows at a time: each inner step reads four rows at the same column
// and writes four adjacent target elements (about 2× a plain tiled loop here).
function transposeBlocked(
  source: Float32Array,
  rows: number,
  columns: number,
  target: Float32Array,
) {
  const tile = 64;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const iEnd = Math.min(i0 + tile, rows);
    for (let j0 = 0; j0 < columns; j0 += tile) {
      const jEnd = Math.min(j0 + tile, columns);
      let i = i0;
      for (; i + 4 <= iEnd; i += 4) {
        const r0 = i * columns;
        const r1 = r0 + columns;
        const r2 = r1 + columns;
        const r3 = r2 + columns;
        for (let j = j0; j < jEnd; j++) {
          const o = j * rows + i;
          target[o] = source[r0 + j]!;
          target[o + 1] = source[r1 + j]!;
          target[o + 2] = source[r2 + j]!;
          target[o + 3] = source[r3 + j]!;
        }
      }
      for (; i < iEnd; i++) {
        const r = i * columns;
        for (let j = j0; j < jEnd; j++) target[j * rows + i] = source[r + j]!;
      }
    }
  }
}

// The stock wasm kernels are fast only without transposes: transpose explicitly, then call them.
// Stock _FusedMatMul handles plain matrices with a rank-1 bias only (and is wrong for batched
// ones), so anything else is a stock BatchMatMul followed by the stock Add and activation kernels.
function runOnXnnpack(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, TensorInfo | undefined>,
  attrs: NamedAttrMap,
): TensorInfo {
  const temporaries: TensorInfo[] = [];
  const call = (
    name: string,
    kernelInputs: Record<string, TensorInfo>,
    kernelAttrs: NamedAttrMap,
  ) => {
    const result = stockKernel(name).kernelFunc({
      inputs: kernelInputs,
      backend,
      attrs: kernelAttrs,
    });
    temporaries.push(result as TensorInfo);
    return result as TensorInfo;
  };
  const transposeLastTwo = (info: TensorInfo): TensorInfo => {
    const rank = info.shape.length;
    const perm = [...Array(rank).keys()];
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return call(Transpose, { x: info }, { perm });
  };
  const a = attrs["transposeA"] ? transposeLastTwo(inputs["a"]!) : inputs["a"]!;
  const b = attrs["transposeB"] ? transposeLastTwo(inputs["b"]!) : inputs["b"]!;
  const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
  const bias = inputs["bias"];
  const activation = (attrs["activation"] as string | undefined) ?? "linear";
  let result: TensorInfo;
  const stockFusedCan =
    a.shape.length === 2 && b.shape.length === 2 && (bias?.shape.length ?? 1) <= 1;
  if (kernelName === BatchMatMul || stockFusedCan) {
    result = call(kernelName, { ...inputs, a, b } as Record<string, TensorInfo>, plainAttrs);
  } else {
    result = call(BatchMatMul, { a, b }, plainAttrs);
    if (bias !== undefined) result = call(Add, { a: result, b: bias }, {});
    result = activate(call, result, activation, attrs, inputs["preluActivationWeights"]);
  }
  for (const temporary of temporaries) {
    if (temporary !== result) backend.disposeData(temporary.dataId);
  }
  counts.xnnpack++;
  return result;
}

function activate(
  call: (name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap) => TensorInfo,
  x: TensorInfo,
  activation: string,
  attrs: NamedAttrMap,
  prelu: TensorInfo | undefined,
): TensorInfo {
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return call(Relu, { x }, {});
    case "relu6":
      return call(Relu6, { x }, {});
    case "sigmoid":
      return call(Sigmoid, { x }, {});
    case "elu":
      return call(Elu, { x }, {});
    case "leakyrelu":
      return call(
        LeakyRelu,
        { x },
        { alpha: (attrs["leakyreluAlpha"] as number | undefined) ?? 0.2 },
      );
    case "prelu":
      return call(Prelu, { x, alpha: prelu! }, {});
    default:
      throw new Error(`_FusedMatMul: unknown activation "${activation}"`);
  }
}

function productKernel(kernelName: string, options: MatMulKernelOptions): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasmBackend = backend as BackendWasm;
    const named = inputs as Record<string, TensorInfo | undefined>;
    const attributes = (attrs ?? {}) as NamedAttrMap;
    const args: ProductArgs = {
      a: named["a"]!,
      b: named["b"]!,
      transposeA: Boolean(attributes["transposeA"]),
      transposeB: Boolean(attributes["transposeB"]),
      activation: (attributes["activation"] as string | undefined) ?? "linear",
      leakyreluAlpha: (attributes["leakyreluAlpha"] as number | undefined) ?? 0.2,
      ...(named["bias"] === undefined ? {} : { bias: named["bias"] }),
      ...(named["preluActivationWeights"] === undefined
        ? {}
        : { prelu: named["preluActivationWeights"] }),
    };
    const outShape = outputShape(args);
    const plan = nativeSpec(args, outShape, options);
    const serial = plan !== undefined && plan.flops < (options.minParallelFlops ?? 0);
    if (serial) counts.serial++;
    if (plan !== undefined && options.blas !== undefined && blasCan(plan.spec)) {
      const threads = serial ? 1 : (options.blasThreads ?? options.blas.threads);
      if (options.blas.threads !== threads) options.blas.setThreads(threads);
      const out = runOnBlas(wasmBackend, options.blas, args, plan);
      counts.blas++;
      return out;
    }
    if (plan !== undefined && options.runtime !== undefined) {
      const runtime = serial ? (options.serialRuntime ?? options.runtime) : options.runtime;
      return runOnOrt(wasmBackend, runtime, args, plan);
    }
    const result = runOnXnnpack(wasmBackend, kernelName, named, attributes);
    return { ...result, shape: outShape };
  };
}

/** Kernel configs replacing wasm's BatchMatMul and _FusedMatMul. */
export function matMulKernelConfigs(options: MatMulKernelOptions): KernelConfig[] {
  return [BatchMatMul, _FusedMatMul].map((kernelName) => ({
    kernelName,
    backendName: "wasm",
    kernelFunc: productKernel(kernelName, options),
  }));
}
