import * as tf from "@tensorflow/tfjs-core";
import { assert } from "@tml/core";
import {
  type FusedKernelSpec,
  fusedKernelReady,
  HOST_BACKENDS,
  registerFusedKernel,
} from "./fused-kernel.js";

/** Activation fused into `linear`. */
export type LinearActivation = "linear" | "relu";

/** TmlBiasReluGrad: dy, y [R, C] (relu outputs) → dz = dy where y > 0 else 0 [R, C], Σ_rows dz [C]. */
export const biasReluGradKernel: FusedKernelSpec = {
  kernelName: "TmlBiasReluGrad",
  outputShapes(inputs) {
    const shape = [...(inputs["dy"]?.shape ?? [])];
    return [shape, [shape[1] as number]];
  },
  run(inputs, outputs, shapes) {
    const [rows, cols] = shapes["dy"] as [number, number];
    const dy = inputs["dy"] as Float32Array;
    const y = inputs["y"] as Float32Array;
    const [dz, db] = outputs as [Float32Array, Float32Array];
    const totals = new Float64Array(cols);
    for (let row = 0; row < rows; row++) {
      const offset = row * cols;
      for (let col = 0; col < cols; col++) {
        const value = y[offset + col]! > 0 ? dy[offset + col]! : 0;
        dz[offset + col] = value;
        totals[col] += value;
      }
    }
    for (let col = 0; col < cols; col++) db[col] = totals[col]!;
  },
};

// TmlLinear / TmlLinearRelu run the backend's own _FusedMatMul on rank-2 operands (no reshapes
// to rank 3, no tape copies of intermediate results) and have one gradient: the bias/activation
// part in one fused kernel, then only the products whose inputs need a gradient. Only the ReLU
// variant keeps its output for the backward pass.
const KERNEL_NAMES: Record<LinearActivation, string> = {
  linear: "TmlLinear",
  relu: "TmlLinearRelu",
};

function linearKernel(backendName: string, activation: LinearActivation): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, weight, bias } = inputs as Record<string, tf.TensorInfo>;
    const product = tf.getKernel(tf._FusedMatMul, backendName);
    assert(product, () => `backend ${backendName} has no _FusedMatMul kernel`);
    // The backends' product kernels expect rank 3: a leading 1 is only a different view of the
    // same buffer (what Reshape does), so the operands are relabelled instead of reshaped.
    const batched = (info: tf.TensorInfo): tf.TensorInfo => ({
      ...info,
      shape: [1, ...info.shape],
    });
    const out = product.kernelFunc({
      inputs: {
        a: batched(x as tf.TensorInfo),
        b: batched(weight as tf.TensorInfo),
        bias: bias as tf.TensorInfo,
      },
      backend,
      attrs: { transposeA: false, transposeB: true, activation },
    }) as tf.TensorInfo;
    return { ...out, shape: out.shape.slice(1) };
  };
}

function linearGradient(activation: LinearActivation): tf.GradConfig {
  return {
    kernelName: KERNEL_NAMES[activation],
    inputsToSave: ["x", "weight"],
    outputsToSave: [activation === "relu"],
    gradFunc: (dy, saved) => {
      const [x, weight, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D?];
      const gradient = dy as tf.Tensor2D;
      let dz = gradient;
      let db: tf.Tensor1D;
      if (activation === "relu" && fusedKernelReady(biasReluGradKernel.kernelName)) {
        [dz, db] = tf.engine().runKernel(biasReluGradKernel.kernelName, {
          dy: gradient,
          y: y as tf.Tensor2D,
        }) as unknown as [tf.Tensor2D, tf.Tensor1D];
      } else {
        if (activation === "relu") dz = tf.mul(gradient, tf.step(y as tf.Tensor2D));
        db = tf.sum(dz, 0);
      }
      return {
        x: () => tf.matMul(dz, weight), // [B, out] · [out, in]
        weight: () => tf.matMul(dz, x, true, false), // [out, B] · [B, in]
        bias: () => db,
      };
    },
  };
}

/** Registers TmlLinear, TmlLinearRelu and TmlBiasReluGrad on cpu and wasm, with gradients. */
export function registerLinearKernels(): void {
  registerFusedKernel(biasReluGradKernel);
  for (const activation of ["linear", "relu"] as const) {
    const kernelName = KERNEL_NAMES[activation];
    for (const backendName of HOST_BACKENDS) {
      if (tf.getKernel(kernelName, backendName) !== undefined) continue;
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: linearKernel(backendName, activation),
      });
    }
    if (tf.getGradient(kernelName) === undefined) tf.registerGradient(linearGradient(activation));
  }
}

/**
 * Fully connected layer in torch's layout: x [B, in] · weightᵀ ([out, in]) + bias [out], then
 * the activation → [B, out]. One kernel forward and one to three backward where the backend has
 * one (cpu, wasm: tfjs's fused matMul costs ~10 with reshapes and tape copies); tfjs's fused
 * matMul elsewhere.
 */
export function linear(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: LinearActivation = "linear",
): tf.Tensor2D {
  assert(
    x.rank === 2 && weight.rank === 2 && x.shape[1] === weight.shape[1],
    () =>
      `linear: x [${x.shape}] does not fit weight [${weight.shape}] (expected [B, in], [out, in])`,
  );
  assert(
    bias.rank === 1 && bias.shape[0] === weight.shape[0],
    () => `linear: bias must be [${weight.shape[0]}], got [${bias.shape}]`,
  );
  const kernelName = KERNEL_NAMES[activation];
  if (x.dtype === "float32" && weight.dtype === "float32" && fusedKernelReady(kernelName)) {
    return tf.engine().runKernel(kernelName, { x, weight, bias }) as tf.Tensor2D;
  }
  return tf.fused.matMul({ a: x, b: weight, transposeB: true, bias, activation }) as tf.Tensor2D;
}
