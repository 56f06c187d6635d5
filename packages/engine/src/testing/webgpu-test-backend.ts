import * as tf from "@tensorflow/tfjs-core";
import { registerEngineKernels } from "../engine-kernels.js";
import { registerGradients } from "../gradients.js";
import { prepareWebGpuBackend } from "../webgpu-backend.js";

/**
 * Registers tfjs's webgpu backend for tests on any adapter Dawn offers, software ones included
 * (Mesa's lavapipe in CI: the test asks for it), plus the cpu backend to compare against, the
 * engine's kernels and tfjs's gradients. Leaves the active backend as it was. Returns the adapter's
 * description, or undefined (after one notice on stderr) where no WebGPU adapter exists, so the
 * caller skips its WebGPU tests instead of failing.
 */
export async function setupWebGpuTestBackend(): Promise<string | undefined> {
  await import("@tensorflow/tfjs-backend-cpu");
  registerEngineKernels();
  await registerGradients();
  try {
    const { chosen } = await prepareWebGpuBackend(true);
    return chosen.adapter.description;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`WebGPU tests skipped: ${reason}\n`);
    return undefined;
  }
}

/** Runs `compute` on the named backend and returns its tensors' values as plain arrays. */
export async function valuesOn(
  backendName: string,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  if (tf.getBackend() !== backendName && !(await tf.setBackend(backendName))) {
    throw new Error(`backend ${backendName} did not start`);
  }
  const result = compute();
  const tensors = Array.isArray(result) ? result : [result];
  const values = await Promise.all(
    tensors.map(async (tensor) => Float32Array.from(await tensor.data())),
  );
  tf.dispose(tensors);
  return values;
}
