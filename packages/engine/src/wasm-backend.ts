import { createRequire } from "node:module";
import { dirname, sep } from "node:path";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";

let pathsSet = false;

/**
 * Points the wasm backend at the .wasm binaries inside its package (Node cannot fetch them the way
 * a browser does). Single-threaded: wasm threads do not work in Node. Safe to call repeatedly;
 * does nothing once the wasm backend has been initialised.
 */
export function prepareWasmBackend(): void {
  if (pathsSet || tf.findBackend("wasm") !== null) return;
  const require = createRequire(import.meta.url);
  const distDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  setWasmPaths(`${distDir}${sep}`);
  pathsSet = true;
}
