import { registerMeanBceKernel } from "./fused/bce-with-logits-mean.js";
import { registerDropoutKernel } from "./fused/dropout.js";
import { registerLinearKernels } from "./fused/linear.js";
import { registerMultiplyKernel } from "./fused/multiply.js";
import { registerNormalizeKernels } from "./fused/normalize.js";
import { registerSignedLogKernel } from "./fused/signed-log.js";
import { registerOptimizerUpdateKernels } from "./optimizer-update/fused-update-kernel.js";

/**
 * Registers the engine's own kernels (fused layer ops, the Heavy Ranker's loss, the optimizer
 * update) on the backends that have them, cpu and wasm, with their gradients. Idempotent;
 * `selectEngine` and `setupTestBackend` call it. Each engine op runs its kernel where the active
 * backend has one and its composite of stock tfjs ops elsewhere, so callers never ask which
 * backend runs.
 */
export function registerEngineKernels(): void {
  registerDropoutKernel();
  registerLinearKernels();
  registerMultiplyKernel();
  registerNormalizeKernels();
  registerSignedLogKernel();
  registerMeanBceKernel();
  registerOptimizerUpdateKernels();
}
