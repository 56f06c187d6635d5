import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  UnsortedSegmentSum,
  util,
} from "@tensorflow/tfjs-core";

/**
 * `UnsortedSegmentSum` for the wasm backend, which ships none (tfjs needs it for the gradient of
 * `gather`). out[s, ...] = Σ x[i, ...] over the i with segmentIds[i] = s; ids outside
 * [0, numSegments) are dropped, as TensorFlow does. One pass over x, rows added in place on the
 * wasm heap.
 */
const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasmBackend = backend as BackendWasm;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  util.assert(
    x.dtype === "float32" || x.dtype === "int32",
    () => `UnsortedSegmentSum on wasm supports float32 and int32 values, got ${x.dtype}`,
  );
  const idRank = segmentIds.shape.length;
  util.assert(
    segmentIds.shape.every((dim, axis) => dim === x.shape[axis]),
    () => `segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
  );
  const rowShape = x.shape.slice(idRank);
  const rowSize = util.sizeFromShape(rowShape);
  const out = wasmBackend.makeOutput([numSegments, ...rowShape], x.dtype);
  const values = wasmBackend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const target = wasmBackend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const ids = readIds(wasmBackend, segmentIds);
  target.fill(0);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * rowSize;
    const to = segment * rowSize;
    for (let column = 0; column < rowSize; column++) target[to + column] += values[from + column];
  }
  return out;
};

function readIds(backend: BackendWasm, segmentIds: TensorInfo): ArrayLike<number> {
  const ids = backend.typedArrayFromHeap(segmentIds);
  if (segmentIds.dtype === "int32") return ids as Int32Array;
  // float ids come from tf.unsortedSegmentSum callers that skipped the cast; truncate like TF.
  return Int32Array.from(ids as Float32Array, Math.trunc);
}

/** Kernel config adding UnsortedSegmentSum to the wasm backend. */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSum,
};
