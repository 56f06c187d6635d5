import { getBackend } from "@tensorflow/tfjs-core";

// Backends whose matMul is compiled code: wasm (onnxruntime's sgemm through our kernels, or
// XNNPACK), tensorflow (libtensorflow, CPU or CUDA), and the GPU backends.
const COMPILED_BACKENDS = new Set(["wasm", "tensorflow", "webgpu", "webgl"]);
// Backends that always multiply on a GPU (tensorflow may be on either, so it is not here).
const GPU_BACKENDS = new Set(["webgpu", "webgl"]);

function activeBackendIn(names: ReadonlySet<string>): boolean {
  try {
    return names.has(getBackend());
  } catch {
    return false;
  }
}

/**
 * True when the active backend multiplies large blocks with compiled code, so code that owns its own
 * host-array kernels (TwHIN's SIMD products) should hand large blocks to `tf.matMul`; false on the
 * pure-JS cpu backend or before a backend is set. The one place outside the engine's kernels that
 * knows which backend names are compiled.
 */
export function hasCompiledProducts(): boolean {
  return activeBackendIn(COMPILED_BACKENDS);
}

/**
 * True when the active backend multiplies on a GPU (webgpu), so host-array code should hand its
 * large blocks to `tf.matMul` even where a platform BLAS loads, and read the result back with
 * `await tensor.data()` (these backends have no synchronous read in Node).
 */
export function hasGpuProducts(): boolean {
  return activeBackendIn(GPU_BACKENDS);
}
