import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

/**
 * Puts tfjs on the pure-JS cpu backend in float32 for deterministic numeric tests. Call it in a
 * `beforeAll`. Returns the backend name.
 */
export async function setupTestBackend(): Promise<string> {
  await tf.setBackend("cpu");
  await tf.ready();
  return tf.getBackend();
}
