import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { fusedOpsEnabled } from "./fused-kernel.js";

const MULTIPLY = "TmlMultiply";

// TmlMultiply runs the backend's own Multiply; its gradient is one product per operand that needs
// one (tfjs's Mul gradient adds a Cast copy and a broadcast reduction for each operand).
function registerMultiply(backendName: string): void {
  if (tf.getKernel(MULTIPLY, backendName) === undefined) {
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
 * gradient on cpu and wasm; `tf.mul` elsewhere.
 */
export function multiply<T extends tf.Tensor>(a: T, b: T): T {
  assert(
    tf.util.arraysEqual(a.shape, b.shape),
    () => `multiply: shapes [${a.shape}] and [${b.shape}] differ (no broadcasting)`,
  );
  const backendName = tf.getBackend();
  const fast =
    fusedOpsEnabled() &&
    (backendName === "cpu" || backendName === "wasm") &&
    a.dtype === "float32" &&
    b.dtype === "float32";
  if (!fast) return tf.mul(a, b);
  registerMultiply(backendName);
  return tf.engine().runKernel(MULTIPLY, { a, b }) as T;
}
