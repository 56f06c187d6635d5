import { getBackend } from "@tensorflow/tfjs-core";

// Backends whose matMul is compiled code: wasm (onnxruntime's sgemm through our kernels, or
// XNNPACK), tensorflow (libtensorflow, CPU or CUDA), and the GPU backends.
const COMPILED_BACKENDS = new Set(["wasm", "tensorflow", "webgpu", "webgl"]);

/**
 * True when the active backend multiplies large blocks with compiled code, so code that owns its own
 * host-array kernels (TwHIN's SIMD products) should hand large blocks to `tf.matMul`; false on the
 * pure-JS cpu backend or before a backend is set. The one place outside the engine's kernels that
 * knows which backend names are compiled.
 */
export function hasCompiledProducts(): boolean {
  try {
    return COMPILED_BACKENDS.has(getBackend());
  } catch {
    return false;
  }
}
