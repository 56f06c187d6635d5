import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs `run` with the named kernels unregistered on the active backend, so the engine ops that
 * use them take their composite (stock tfjs op) path, then registers them again. For tests that
 * compare an op's kernel with its composite.
 */
export function withoutKernels<T>(kernelNames: readonly string[], run: () => T): T {
  const backendName = tf.getBackend();
  const removed: tf.KernelConfig[] = [];
  for (const kernelName of kernelNames) {
    const config = tf.getKernel(kernelName, backendName);
    if (config === undefined) continue;
    tf.unregisterKernel(kernelName, backendName);
    removed.push(config);
  }
  try {
    return run();
  } finally {
    for (const config of removed) tf.registerKernel(config);
  }
}
