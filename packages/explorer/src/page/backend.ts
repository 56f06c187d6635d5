// The page differentiates the graph (integrated gradients): it registers tfjs's gradients.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";

/** Backends in the order the page tries them: the fastest the browser has first. */
export const BACKEND_ORDER = ["webgpu", "webgl", "wasm", "cpu"] as const;

/**
 * Chooses the tfjs backend: `requested` (the `?backend=` query) when given, else the first of
 * webgpu, webgl, wasm, cpu that initialises. tfjs's wasm binaries come from this server
 * (`/page/`), never a CDN. Returns the backend's name.
 */
export async function chooseBackend(requested: string | null): Promise<string> {
  setWasmPaths("/page/");
  const order = requested ? [requested] : BACKEND_ORDER;
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // This backend is not available here; try the next.
    }
  }
  throw new Error(`no tfjs backend initialised (tried ${order.join(", ")})`);
}
