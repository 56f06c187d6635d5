import { createRequire } from "node:module";
import { dirname, sep } from "node:path";
import * as tf from "@tensorflow/tfjs-core";

/**
 * Registers tfjs's wasm backend (its module registers itself when imported, so it is imported
 * here, not by the engine's own imports) and points it at the .wasm binaries inside its package
 * (Node cannot fetch them the way a browser does). Single-threaded: wasm threads do not work in
 * Node. Safe to call repeatedly; paths stay as they are once the backend has been initialised.
 */
export async function prepareWasmBackend(): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (tf.findBackend("wasm") !== null) return;
  const require = createRequire(import.meta.url);
  const distDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  wasm.setWasmPaths(`${distDir}${sep}`);
}
