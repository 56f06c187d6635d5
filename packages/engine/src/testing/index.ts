/** Test helpers for code that runs tfjs kernels (imported as `@tml/engine/testing`). */
export { setupTestBackend } from "./test-backend.js";
export { setupWebGpuTestBackend, valuesOn } from "./webgpu-test-backend.js";
export { withoutKernels } from "./without-kernels.js";
