import * as tf from "@tensorflow/tfjs-core";
import { registerEngineKernels } from "../engine-kernels.js";

/**
 * Puts tfjs on the pure-JS cpu backend in float32 for deterministic numeric tests, with the
 * engine's kernels registered (as `selectEngine` does). Call it in a `beforeAll`. Returns the
 * backend name.
 */
export async function setupTestBackend(): Promise<string> {
  await import("@tensorflow/tfjs-backend-cpu");
  registerEngineKernels();
  await tf.setBackend("cpu");
  await tf.ready();
  return tf.getBackend();
}
