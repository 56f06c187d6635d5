import type {
  KernelBackend,
  KernelFunc,
  NamedTensorInfoMap,
  TensorInfo,
} from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { type HostUpdateRule, hostUpdateRuleFor } from "./host-update-rules.js";
import {
  type SimdUpdateExports,
  simdUpdateKernels,
  type WasmMemory,
} from "./simd-update-module.js";
import {
  adamCoefficients,
  adamScalars,
  type OptimizerAlgorithm,
  slotNamesOf,
} from "./update-algorithm.js";

/** Name of the fused optimizer-update kernel (registered for the `wasm` and `cpu` backends). */
export const FUSED_UPDATE_KERNEL = "TmlFusedOptimizerUpdate";

// Backends the fused kernels run on: their tensors are typed arrays the kernels can read.
const FUSED_UPDATE_BACKENDS: readonly string[] = ["wasm", "cpu"];

/**
 * Attributes of one fused update over V variables. Inputs are named `x0…`, per variable in order:
 * parameters, gradient, then its slots; outputs, per variable: new parameters, new slots.
 */
export interface FusedUpdateAttrs {
  algorithm: OptimizerAlgorithm;
  /** V learning rates (each variable's group rate). */
  learningRates: number[];
  /** V 1-based update counts, this update included. */
  counts: number[];
  /** Gradient scale (global-norm clipping), 1 when off. */
  scale: number;
}

/** Typed-array access to a backend's float32 tensors: views without copies, fresh outputs. */
interface TensorMemory {
  view(info: TensorInfo): Float32Array;
  allocate(shape: number[]): TensorInfo;
  /** SIMD kernels on the backend's own memory (wasm only). */
  simd?: SimdUpdateExports;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  wasm: { HEAPU8: Uint8Array; asm?: { memory?: WasmMemory } };
}

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): TensorInfo;
}

function wasmMemory(backend: WasmLike): TensorMemory {
  const memory = backend.wasm.asm?.memory;
  // Only when the export really is the heap the backend's views read.
  const usable = memory !== undefined && memory.buffer === backend.wasm.HEAPU8.buffer;
  const simd = usable ? simdUpdateKernels(memory) : undefined;
  return {
    view: (info) => backend.typedArrayFromHeap(info),
    allocate: (shape) => backend.makeOutput(shape, "float32"),
    ...(simd === undefined ? {} : { simd }),
  };
}

function cpuMemory(backend: CpuLike): TensorMemory {
  return {
    view(info) {
      const values = backend.data.get(info.dataId)?.values;
      return values instanceof Float32Array
        ? values
        : (backend.readSync(info.dataId) as Float32Array);
    },
    // The backend keeps this very array as the tensor's values: the kernel writes into it.
    allocate: (shape) =>
      backend.makeTensorInfo(shape, "float32", new Float32Array(tf.util.sizeFromShape(shape))),
  };
}

function tensorMemory(backend: KernelBackend): TensorMemory {
  return "typedArrayFromHeap" in backend
    ? wasmMemory(backend as unknown as WasmLike)
    : cpuMemory(backend as unknown as CpuLike);
}

// Runs the SIMD kernel over the whole quads; returns the elements it covered (the rest, < 4, is
// left to the host rule).
function runSimd(
  simd: SimdUpdateExports,
  algorithm: OptimizerAlgorithm,
  arrays: Float32Array[],
  learningRate: number,
  count: number,
  scale: number,
): number {
  const quads = arrays[0]!.length >>> 2;
  const at = arrays.map((array) => array.byteOffset);
  switch (algorithm.kind) {
    case "adam": {
      const { step, epsilon } = adamScalars(algorithm, learningRate, count);
      const { beta1, oneMinusBeta1, beta2, oneMinusBeta2 } = adamCoefficients(algorithm);
      // at: p g m v outP outM outV
      simd.adam(
        at[0]!,
        at[1]!,
        at[2]!,
        at[3]!,
        at[4]!,
        at[5]!,
        at[6]!,
        quads,
        beta1,
        oneMinusBeta1,
        beta2,
        oneMinusBeta2,
        step,
        epsilon,
        scale,
      );
      break;
    }
    case "sgd":
      if (algorithm.momentum === 0) simd.sgd(at[0]!, at[1]!, at[2]!, quads, learningRate, scale);
      // at: p g b outP outB
      else
        simd.momentum(
          at[0]!,
          at[1]!,
          at[2]!,
          at[3]!,
          at[4]!,
          quads,
          algorithm.momentum,
          learningRate,
          scale,
        );
      break;
    case "adagrad":
      // at: p g s outP outS
      simd.adagrad(
        at[0]!,
        at[1]!,
        at[2]!,
        at[3]!,
        at[4]!,
        quads,
        learningRate,
        algorithm.epsilon,
        scale,
      );
      break;
  }
  return quads * 4;
}

const rules = new WeakMap<OptimizerAlgorithm, HostUpdateRule>();

const fusedUpdate: KernelFunc = ({ inputs, backend, attrs }) => {
  const { algorithm, learningRates, counts, scale } = attrs as unknown as FusedUpdateAttrs;
  let rule = rules.get(algorithm);
  if (rule === undefined) {
    rule = hostUpdateRuleFor(algorithm);
    rules.set(algorithm, rule);
  }
  const slotCount = slotNamesOf(algorithm).length;
  const memory = tensorMemory(backend as KernelBackend);
  const named = inputs as NamedTensorInfoMap;
  const outputs: TensorInfo[] = [];
  let input = 0;
  for (let index = 0; index < counts.length; index++) {
    const own = [] as TensorInfo[];
    for (let k = 0; k < 2 + slotCount; k++) own.push(named[`x${input++}`]!);
    const fresh = [own[0]!, ...own.slice(2)].map((info) => memory.allocate(info.shape));
    outputs.push(...fresh);
    // Views after every allocation: a wasm allocation can grow (and replace) the heap buffer.
    const views = own.map((info) => memory.view(info));
    const outViews = fresh.map((info) => memory.view(info));
    const [parameters, gradient, ...slots] = views as [
      Float32Array,
      Float32Array,
      ...Float32Array[],
    ];
    const [out, ...slotsOut] = outViews as [Float32Array, ...Float32Array[]];
    const learningRate = learningRates[index]!;
    const count = counts[index]!;
    const done = memory.simd
      ? runSimd(memory.simd, algorithm, [...views, ...outViews], learningRate, count, scale)
      : 0;
    if (done === out.length) continue;
    const tail = (array: Float32Array) => array.subarray(done);
    rule.apply(
      tail(out),
      tail(parameters),
      tail(gradient),
      slots.map(tail),
      slotsOut.map(tail),
      learningRate,
      count,
      scale,
    );
  }
  return outputs;
};

/** Name of the fused gradient-accumulation kernel. */
export const FUSED_ACCUMULATE_KERNEL = "TmlFusedAccumulate";

/**
 * Attributes of one accumulation over G gradients: inputs `x0…` are, per gradient, the gradient
 * then (when `previous[i]`) the running sum; outputs, per gradient: running sum + gradient·scale.
 */
export interface FusedAccumulateAttrs {
  scale: number;
  previous: boolean[];
}

const f32 = Math.fround;

const fusedAccumulate: KernelFunc = ({ inputs, backend, attrs }) => {
  const { scale, previous } = attrs as unknown as FusedAccumulateAttrs;
  const memory = tensorMemory(backend as KernelBackend);
  const named = inputs as NamedTensorInfoMap;
  const factor = f32(scale);
  const outputs: TensorInfo[] = [];
  let input = 0;
  for (const hasPrevious of previous) {
    const gradientInfo = named[`x${input++}`]!;
    const previousInfo = hasPrevious ? named[`x${input++}`]! : undefined;
    const outInfo = memory.allocate(gradientInfo.shape);
    outputs.push(outInfo);
    const gradient = memory.view(gradientInfo);
    const sum = previousInfo ? memory.view(previousInfo) : undefined;
    const out = memory.view(outInfo);
    let done = 0;
    if (memory.simd) {
      const quads = out.length >>> 2;
      if (sum)
        memory.simd.accumulate(gradient.byteOffset, sum.byteOffset, out.byteOffset, quads, factor);
      else memory.simd.scale(gradient.byteOffset, out.byteOffset, quads, factor);
      done = quads * 4;
    }
    // Rounded like tfjs's mul then add.
    if (sum) for (let i = done; i < out.length; i++) out[i] = sum[i]! + f32(gradient[i]! * factor);
    else for (let i = done; i < out.length; i++) out[i] = gradient[i]! * factor;
  }
  return outputs;
};

/** Registers the fused update and accumulation kernels on cpu and wasm (idempotent). */
export function registerOptimizerUpdateKernels(): void {
  for (const backendName of FUSED_UPDATE_BACKENDS) {
    for (const [kernelName, kernelFunc] of [
      [FUSED_UPDATE_KERNEL, fusedUpdate],
      [FUSED_ACCUMULATE_KERNEL, fusedAccumulate],
    ] as const) {
      if (tf.getKernel(kernelName, backendName) !== undefined) continue;
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
}

/** Σ x² over float32 tensors of the current backend, read in place (one pass, float64 sums). */
export function sumOfSquares(tensors: readonly tf.Tensor[]): number {
  const memory = tensorMemory(tf.backend() as KernelBackend);
  let total = 0;
  for (const tensor of tensors) {
    const values = memory.view(tensor);
    const quads = values.length >>> 2;
    let start = 0;
    if (memory.simd) {
      total += memory.simd.sumSquares(values.byteOffset, quads);
      start = quads * 4;
    }
    // Four independent sums: a single running sum is bound by the add latency.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const end = quads * 4;
    for (let i = start; i < end; i += 4) {
      s0 += values[i]! * values[i]!;
      s1 += values[i + 1]! * values[i + 1]!;
      s2 += values[i + 2]! * values[i + 2]!;
      s3 += values[i + 3]! * values[i + 3]!;
    }
    for (let i = end; i < values.length; i++) s0 += values[i]! * values[i]!;
    total += s0 + s1 + s2 + s3;
  }
  return total;
}

/** Whether the fused kernel runs its SIMD loops on the current backend (wasm with its memory). */
export function fusedUpdateUsesSimd(): boolean {
  return tensorMemory(tf.backend() as KernelBackend).simd !== undefined;
}
