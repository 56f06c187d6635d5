import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Tile,
  util,
} from "@tensorflow/tfjs-core";
import { stockKernel } from "./stock-kernels.js";

/**
 * `Tile` for the wasm backend by block copies: each innermost row of x is copied once, then every
 * finished block is replicated with `copyWithin`. The stock kernel computes every output index
 * separately (~100 ms for the [1,1,512,4096] tile in batch norm's gradient; this takes ~1 ms).
 */
const tile: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasmBackend = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const reps = (attrs as { reps: number[] }).reps;
  if (x.dtype === "string" || x.shape.length === 0 || reps.length !== x.shape.length) {
    return stockKernel(Tile).kernelFunc({ inputs, backend, attrs });
  }
  const rank = x.shape.length;
  const outShape = x.shape.map((dim, axis) => dim * reps[axis]!);
  const out = wasmBackend.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  const source = wasmBackend.typedArrayFromHeap(x);
  const target = wasmBackend.typedArrayFromHeap(out);
  const sourceStrides = util.computeStrides(x.shape);
  const targetStrides = util.computeStrides(outShape);
  const strideOf = (strides: number[], axis: number) => (axis < rank - 1 ? strides[axis]! : 1);
  // Writes the block of x starting at `from` into out at `to`, then replicates it along `axis`.
  const fill = (axis: number, from: number, to: number): void => {
    const width = x.shape[axis]!;
    if (axis === rank - 1) {
      target.set(source.subarray(from, from + width), to);
    } else {
      for (let index = 0; index < width; index++) {
        fill(
          axis + 1,
          from + index * strideOf(sourceStrides, axis),
          to + index * strideOf(targetStrides, axis),
        );
      }
    }
    const block = width * strideOf(targetStrides, axis);
    for (let copy = 1; copy < reps[axis]!; copy++)
      target.copyWithin(to + copy * block, to, to + block);
  };
  fill(0, 0, 0);
  return out;
};

/** Kernel config replacing wasm's Tile. */
export const tileConfig: KernelConfig = { kernelName: Tile, backendName: "wasm", kernelFunc: tile };
