import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  Identity,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { stockKernel } from "./stock-kernels.js";

/**
 * `Identity` that shares the input's buffer (reference-counted, as wasm's Reshape already does)
 * instead of copying it: tfjs calls it for every clone and in the gradient tape, ~100 times per
 * training step, copying whole weight matrices. No wasm kernel writes into its inputs, so sharing
 * is safe; the cpu backend does the same.
 */
const identity: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === "string") return stockKernel(Identity).kernelFunc({ inputs, backend, attrs });
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Kernel config replacing wasm's Identity. */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: "wasm",
  kernelFunc: identity,
};
