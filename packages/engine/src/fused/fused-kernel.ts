import {
  backend,
  getBackend,
  getKernel,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { getFlag } from "@tml/core";
import type { WasmMemory } from "../optimizer-update/simd-update-module.js";
import { type SimdNormalizeExports, simdNormalizeLoops } from "./simd-normalize-module.js";

/**
 * A float32 kernel written once over typed arrays and registered on the cpu and wasm backends:
 * `outputShapes` sizes the outputs from the input shapes, then `run` fills them. Inputs may be
 * absent (optional operands such as a batch-norm scale).
 */
export interface FusedKernelSpec {
  readonly kernelName: string;
  outputShapes(
    inputs: Readonly<Record<string, TensorInfo | undefined>>,
    attrs: NamedAttrMap,
  ): number[][];
  run(
    inputs: Readonly<Record<string, Float32Array | undefined>>,
    outputs: Float32Array[],
    shapes: Readonly<Record<string, readonly number[] | undefined>>,
    attrs: NamedAttrMap,
  ): void;
  /**
   * A WebAssembly SIMD variant for the wasm backend (same inputs and outputs as `run`, plus heap
   * scratch of `scratchBytes`); it returns false to leave the call to `run`.
   */
  readonly simd?: {
    scratchBytes(shapes: Readonly<Record<string, readonly number[] | undefined>>): number;
    run(
      inputs: Readonly<Record<string, Float32Array | undefined>>,
      outputs: Float32Array[],
      shapes: Readonly<Record<string, readonly number[] | undefined>>,
      attrs: NamedAttrMap,
      context: SimdContext,
    ): boolean;
  };
}

/** What a SIMD variant gets: the loops and 16-byte-aligned scratch on the same heap. */
export interface SimdContext {
  readonly loops: SimdNormalizeExports;
  readonly heap: ArrayBuffer;
  /** Byte offset of the scratch (contents undefined). */
  readonly scratch: number;
}

// The backends whose memory these kernels can read and write in place.
type HostBackend = "cpu" | "wasm";

interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  wasm: {
    HEAPU8: Uint8Array;
    asm?: { memory?: WasmMemory };
    _malloc(bytes: number): number;
    _free(offset: number): void;
  };
}

/** Whether the fused kernels run their SIMD loops on the active backend (wasm, TML_FUSED_SIMD on). */
export function fusedSimdActive(): boolean {
  if (!getFlag("TML_FUSED_SIMD") || getBackend() !== "wasm") return false;
  return simdContext(backend() as unknown as WasmLike, 0) !== undefined;
}

// One growing scratch block per backend, kept between calls (freed when it grows).
const scratchBlocks = new WeakMap<object, { offset: number; bytes: number }>();

// The SIMD loops and scratch of `bytes` on this backend's heap, or undefined where unusable.
// Allocates (and may grow the heap): call before taking views.
function simdContext(
  wasm: WasmLike,
  bytes: number,
): { loops: SimdNormalizeExports; scratch: number } | undefined {
  const memory = wasm.wasm.asm?.memory;
  // Only when the export really is the heap the backend's views read.
  if (memory === undefined || memory.buffer !== wasm.wasm.HEAPU8.buffer) return undefined;
  const loops = simdNormalizeLoops(memory);
  if (loops === undefined) return undefined;
  let block = scratchBlocks.get(wasm);
  if (block === undefined || block.bytes < bytes) {
    if (block !== undefined) wasm.wasm._free(block.offset);
    const size = Math.max(bytes, 2 * (block?.bytes ?? 0), 4096);
    block = { offset: wasm.wasm._malloc(size + 16) >>> 0, bytes: size };
    scratchBlocks.set(wasm, block);
  }
  return { loops, scratch: (block.offset + 15) & ~15 };
}

interface CpuLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): TensorInfo;
}

function kernelFunc(spec: FusedKernelSpec, backendName: HostBackend): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const named = inputs as Record<string, TensorInfo | undefined>;
    const attributes = (attrs ?? {}) as NamedAttrMap;
    const shapes: Record<string, readonly number[] | undefined> = {};
    for (const [name, info] of Object.entries(named)) {
      if (info === undefined) continue;
      util.assert(info.dtype === "float32", () => `${spec.kernelName}: ${name} must be float32`);
      shapes[name] = info.shape;
    }
    const outShapes = spec.outputShapes(named, attributes);
    if (backendName === "wasm") {
      const wasm = backend as unknown as WasmLike;
      // Views are taken after every allocation: growing the heap detaches older views.
      const infos = outShapes.map((shape) => wasm.makeOutput(shape, "float32"));
      const context =
        spec.simd && getFlag("TML_FUSED_SIMD")
          ? simdContext(wasm, spec.simd.scratchBytes(shapes))
          : undefined;
      const views: Record<string, Float32Array | undefined> = {};
      for (const [name, info] of Object.entries(named))
        if (info !== undefined) views[name] = wasm.typedArrayFromHeap(info);
      const outputs = infos.map((info) => wasm.typedArrayFromHeap(info));
      const done =
        context !== undefined &&
        spec.simd!.run(views, outputs, shapes, attributes, {
          ...context,
          heap: wasm.wasm.HEAPU8.buffer as ArrayBuffer,
        });
      if (!done) spec.run(views, outputs, shapes, attributes);
      return infos;
    }
    const cpu = backend as unknown as CpuLike;
    const views: Record<string, Float32Array | undefined> = {};
    for (const [name, info] of Object.entries(named))
      if (info !== undefined) views[name] = cpu.data.get(info.dataId).values as Float32Array;
    const outputs = outShapes.map((shape) => new Float32Array(util.sizeFromShape(shape)));
    spec.run(views, outputs, shapes, attributes);
    return outShapes.map((shape, index) =>
      cpu.makeTensorInfo(shape, "float32", outputs[index] as Float32Array),
    );
  };
}

/** The backends whose tensors the fused kernels read and write in place. */
export const HOST_BACKENDS: readonly HostBackend[] = ["cpu", "wasm"];

/** Registers `spec`'s kernel on the cpu and wasm backends (idempotent). */
export function registerFusedKernel(spec: FusedKernelSpec): void {
  for (const backendName of HOST_BACKENDS) {
    if (getKernel(spec.kernelName, backendName) !== undefined) continue;
    registerKernel({
      kernelName: spec.kernelName,
      backendName,
      kernelFunc: kernelFunc(spec, backendName),
    });
  }
}

/** Whether the active backend has a kernel named `kernelName` (see `registerEngineKernels`). */
export function hasKernel(kernelName: string): boolean {
  return getKernel(kernelName, getBackend()) !== undefined;
}

/**
 * Whether a fused layer op runs its kernel: the active backend has one and TML_FUSED_OPS is on
 * (off, every layer op runs its composite of stock tfjs ops, for A/B runs and tests).
 */
export function fusedKernelReady(kernelName: string): boolean {
  return getFlag("TML_FUSED_OPS") && hasKernel(kernelName);
}
