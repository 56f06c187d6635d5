import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { fusedKernelReady, HOST_BACKENDS } from "./fused-kernel.js";

const MULTIPLY = "TmlMultiply";

/**
 * Registers TmlMultiply on cpu and wasm: the backend's own Multiply, with a gradient of one product
 * per operand that needs one (tfjs's Mul gradient adds a Cast copy and a broadcast reduction each).
 */
export function registerMultiplyKernel(): void {
  for (const backendName of HOST_BACKENDS) {
    if (tf.getKernel(MULTIPLY, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName: MULTIPLY,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const product = tf.getKernel(tf.Multiply, backendName);
        assert(product, () => `backend ${backendName} has no Multiply kernel`);
        return product.kernelFunc({ inputs, backend, attrs: {} });
      },
    });
  }
  if (tf.getGradient(MULTIPLY) !== undefined) return;
  tf.registerGradient({
    kernelName: MULTIPLY,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      return {
        a: () => tf.mul(dy as tf.Tensor, b),
        b: () => tf.mul(dy as tf.Tensor, a),
      };
    },
  });
}

/**
 * Element-wise product of two float32 tensors of the same shape (no broadcasting), with a lean
 * gradient where the backend has its kernel (cpu, wasm); `tf.mul` elsewhere.
 */
export function multiply<T extends tf.Tensor>(a: T, b: T): T {
  assert(
    tf.util.arraysEqual(a.shape, b.shape),
    () => `multiply: shapes [${a.shape}] and [${b.shape}] differ (no broadcasting)`,
  );
  if (a.dtype === "float32" && b.dtype === "float32" && fusedKernelReady(MULTIPLY)) {
    return tf.engine().runKernel(MULTIPLY, { a, b }) as T;
  }
  return tf.mul(a, b);
}
