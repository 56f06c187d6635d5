import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import { type FusedKernelSpec, fusedKernelReady, registerFusedKernel } from "./fused-kernel.js";

/** TmlDropout: x, uniform (same shape, U[0, 1)) → x / (1 − rate) where uniform ≥ rate, else 0. */
export const dropoutKernel: FusedKernelSpec = {
  kernelName: "TmlDropout",
  outputShapes(inputs) {
    return [[...(inputs["x"]?.shape ?? [])]];
  },
  run(inputs, outputs, _shapes, attrs) {
    const rate = attrs["rate"] as number;
    // The scale rounded to float32 first: the same values as tfjs's cast-and-multiply chain.
    const scale = Math.fround(1 / (1 - rate));
    const x = inputs["x"] as Float32Array;
    const uniform = inputs["uniform"] as Float32Array;
    const [y] = outputs as [Float32Array];
    for (let index = 0; index < x.length; index++)
      y[index] = x[index]! * (uniform[index]! >= rate ? scale : 0); // −0 as tfjs for x < 0
  },
};

/** Registers TmlDropout on cpu and wasm and its gradient (idempotent). */
export function registerDropoutKernel(): void {
  registerFusedKernel(dropoutKernel);
  if (tf.getGradient(dropoutKernel.kernelName) !== undefined) return;
  tf.registerGradient({
    kernelName: dropoutKernel.kernelName,
    inputsToSave: ["uniform"],
    // The same mask and scale apply to the gradient; the random draws get none.
    gradFunc: (dy, saved, attrs) => {
      const [uniform] = saved as [tf.Tensor];
      return {
        x: () => {
          const [dx] = tf
            .engine()
            .runKernel(
              dropoutKernel.kernelName,
              { x: dy as tf.Tensor, uniform },
              attrs,
            ) as unknown as [tf.Tensor];
          return dx;
        },
        uniform: () => tf.zerosLike(uniform),
      };
    },
  });
}

/**
 * Inverted dropout of x with given uniform draws (same shape, in [0, 1)): entries whose draw is
 * below `rate` become 0, the others are scaled by 1 / (1 − rate). One fused kernel each way on
 * cpu and wasm, the cast-and-multiply chain elsewhere; the same values either way.
 */
export function dropoutWithDraws<T extends tf.Tensor>(x: T, uniform: T, rate: number): T {
  assert(
    tf.util.arraysEqual(x.shape, uniform.shape),
    () => `dropout: draws [${uniform.shape}] must have x's shape [${x.shape}]`,
  );
  assert(rate >= 0 && rate < 1, () => `dropout: rate ${rate} must be in [0, 1)`);
  if (
    x.dtype === "float32" &&
    uniform.dtype === "float32" &&
    fusedKernelReady(dropoutKernel.kernelName)
  ) {
    const [y] = tf
      .engine()
      .runKernel(dropoutKernel.kernelName, { x, uniform }, { rate }) as unknown as [T];
    return y;
  }
  return tf.tidy(() => {
    const keep = tf.cast(tf.greaterEqual(uniform, rate), "float32");
    return tf.mul(x, tf.mul(keep, 1 / (1 - rate))) as T;
  });
}
