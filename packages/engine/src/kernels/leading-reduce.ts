import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  Mean,
  Sum,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { stockKernel } from "./stock-kernels.js";

// Reduced axes that are the leading ones ([0], [0, 1]…), as in every reduction over the batch
// (bias and batch-norm gradients): the stock wasm kernels transpose them to the end first.
function leadingCount(axes: number[], rank: number): number | undefined {
  const sorted = [...axes].sort((left, right) => left - right);
  if (sorted.length === 0 || sorted.length === rank) return undefined;
  return sorted.every((axis, index) => axis === index) ? sorted.length : undefined;
}

function reduceKernel(kernelName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasmBackend = backend as BackendWasm;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    const axes = util.parseAxisParam(axis, x.shape);
    const leading = leadingCount(axes, x.shape.length);
    if (x.dtype !== "float32" || leading === undefined) {
      return stockKernel(kernelName).kernelFunc({ inputs, backend, attrs });
    }
    const rows = util.sizeFromShape(x.shape.slice(0, leading));
    const innerShape = x.shape.slice(leading);
    const width = util.sizeFromShape(innerShape);
    const outShape = keepDims ? backend_util.expandShapeToKeepDim(innerShape, axes) : innerShape;
    const out = wasmBackend.makeOutput(outShape, "float32");
    const source = wasmBackend.typedArrayFromHeap(x) as Float32Array;
    const target = wasmBackend.typedArrayFromHeap(out) as Float32Array;
    // Accumulate in float64 row by row: contiguous reads, and no float32 drift over long batches.
    const totals = new Float64Array(width);
    for (let row = 0; row < rows; row++) {
      const offset = row * width;
      for (let column = 0; column < width; column++) totals[column] += source[offset + column]!;
    }
    const scale = kernelName === Mean ? 1 / rows : 1;
    for (let column = 0; column < width; column++) target[column] = totals[column]! * scale;
    return out;
  };
}

/** Kernel configs replacing wasm's Sum and Mean for reductions over leading axes. */
export const leadingReduceConfigs: KernelConfig[] = [Sum, Mean].map((kernelName) => ({
  kernelName,
  backendName: "wasm",
  kernelFunc: reduceKernel(kernelName),
}));
