import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  SplitV,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { stockKernel } from "./stock-kernels.js";

/**
 * `SplitV` for the wasm backend by contiguous block copies (one `set` per outer row and piece).
 * The gradient of `concat` along the feature axis (MaskNet's parallel blocks) splits [B, k·W]
 * this way; the stock kernel goes through a strided slice (~60 ms per call at B = 512 here).
 */
const splitV: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasmBackend = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number | number[]; axis: number };
  if (x.dtype === "string") return stockKernel(SplitV).kernelFunc({ inputs, backend, attrs });
  const [$axis] = util.parseAxisParam(axis, x.shape) as [number];
  const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  const outer = util.sizeFromShape(x.shape.slice(0, $axis));
  const inner = util.sizeFromShape(x.shape.slice($axis + 1));
  const rowLength = x.shape[$axis]! * inner;
  const outputs: TensorInfo[] = [];
  let start = 0;
  for (const size of sizes) {
    const shape = [...x.shape];
    shape[$axis] = size;
    const out = wasmBackend.makeOutput(shape, x.dtype);
    // Views after the allocation: it may grow the heap.
    const source = wasmBackend.typedArrayFromHeap(x);
    const target = wasmBackend.typedArrayFromHeap(out);
    const pieceLength = size * inner;
    for (let row = 0; row < outer; row++) {
      const from = row * rowLength + start * inner;
      target.set(source.subarray(from, from + pieceLength), row * pieceLength);
    }
    outputs.push(out);
    start += size;
  }
  return outputs;
};

/** Kernel config replacing wasm's SplitV. */
export const splitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: "wasm",
  kernelFunc: splitV,
};
