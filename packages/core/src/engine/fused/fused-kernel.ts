import {
  getBackend,
  getKernel,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";

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
}

// The backends whose memory these kernels can read and write in place.
type HostBackend = "cpu" | "wasm";

interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
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
      const views: Record<string, Float32Array | undefined> = {};
      for (const [name, info] of Object.entries(named))
        if (info !== undefined) views[name] = wasm.typedArrayFromHeap(info);
      spec.run(
        views,
        infos.map((info) => wasm.typedArrayFromHeap(info)),
        shapes,
        attributes,
      );
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

// TML_FUSED_OPS=0 starts a process on the stock-op chains (for A/B benchmark runs).
let enabled = typeof process === "undefined" || process.env["TML_FUSED_OPS"] !== "0";

/**
 * Turns the fused layer kernels (layer norm, batch norm, signed log) on or off for this process
 * and returns the previous setting. Off, the same ops run as chains of stock tfjs ops (for
 * comparisons and tests); on, they still fall back to those chains on backends other than
 * cpu and wasm. The process starts with them on unless the environment sets TML_FUSED_OPS=0.
 */
export function setFusedOps(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether the fused ops are on (see `setFusedOps`). */
export function fusedOpsEnabled(): boolean {
  return enabled;
}

/**
 * Whether `spec`'s kernel can run on the active backend; registers it there on first use.
 * False when fused ops are off or the backend is not cpu or wasm.
 */
export function fusedKernelReady(spec: FusedKernelSpec): boolean {
  if (!enabled) return false;
  const backendName = getBackend();
  if (backendName !== "cpu" && backendName !== "wasm") return false;
  if (getKernel(spec.kernelName, backendName) === undefined) {
    registerKernel({
      kernelName: spec.kernelName,
      backendName,
      kernelFunc: kernelFunc(spec, backendName),
    });
  }
  return true;
}
