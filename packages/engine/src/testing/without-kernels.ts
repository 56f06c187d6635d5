import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs `run` with the named kernels unregistered on the active backend, so the engine ops that
 * use them take their composite (stock tfjs op) path, then registers them again (when `run`
 * returns a promise, once it settles). For tests that compare an op's kernel with its composite.
 * Throws when a kernel is not registered on the backend, since the comparison would then set the
 * composite against itself and prove nothing.
 */
export function withoutKernels<T>(kernelNames: readonly string[], run: () => T): T {
  const backendName = tf.getBackend();
  const configs = kernelNames.map((kernelName) => {
    const config = tf.getKernel(kernelName, backendName);
    if (config === undefined) {
      throw new Error(
        `withoutKernels: ${kernelName} is not registered on the ${backendName} backend (call registerEngineKernels first).`,
      );
    }
    return config;
  });
  for (const config of configs) tf.unregisterKernel(config.kernelName, backendName);
  const restore = () => {
    for (const config of configs) tf.registerKernel(config);
  };
  let settlesLater = false;
  try {
    const result = run();
    // An async `run` (a training step that awaits its loss) keeps the kernels out until it settles.
    if (result instanceof Promise) {
      settlesLater = true;
      return result.finally(restore) as T;
    }
    return result;
  } finally {
    if (!settlesLater) restore();
  }
}
