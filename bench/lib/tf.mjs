// The tfjs-core copy @tml/core uses (one tfjs engine per process), resolved from core's folder so
// that bench cases need no dependencies of their own. Cases import engine selection from core's
// built dist: benchmarks measure what users run.
import { createRequire } from "node:module";

const coreRequire = createRequire(new URL("../../packages/engine/package.json", import.meta.url));

/** @type {typeof import("@tensorflow/tfjs-core")} */
export const tf = coreRequire("@tensorflow/tfjs-core");

/**
 * @tml/core's built entry point (run `turbo run build` first; `pnpm bench` does). The tfjs resolve
 * hook goes in first: packages that import tfjs-core's per-file modules then load under Node.
 */
export async function loadCore() {
  const engine = await import(new URL("../../packages/engine/dist/index.js", import.meta.url).href);
  engine.installTfjsResolveHook();
  const core = await import(new URL("../../packages/core/dist/index.js", import.meta.url).href);
  return { ...core, ...engine };
}

/**
 * Selects the engine for a case from TML_BENCH_ENGINE: "auto" (default), "wasm-stock" (wasm with
 * its own kernels), "wasm-xnnpack" (fast kernels without onnxruntime), or any selectEngine device.
 */
export async function selectBenchEngine() {
  const { selectEngine, silentLogger } = await loadCore();
  const choice = process.env.TML_BENCH_ENGINE ?? "auto";
  if (choice === "wasm-stock") {
    return selectEngine({ device: "wasm", fastKernels: false, logger: silentLogger });
  }
  if (choice === "wasm-xnnpack") {
    return selectEngine({ device: "wasm", fastKernels: { onnxruntime: false }, logger: silentLogger });
  }
  return selectEngine({ device: choice, logger: silentLogger });
}
