// tfjs and the engine for bench cases. @tml/bench depends on the catalog's @tensorflow/tfjs-core,
// so pnpm links the one copy @tml/engine uses (tfjs keeps one engine per process). Cases import the
// packages by name: they resolve through their `exports` to the built dist, what users run.
import * as tf from "@tensorflow/tfjs-core";
import { silentLogger } from "@tml/core";

export { tf };

/**
 * @tml/engine's built entry point (run `turbo run build` first; `pnpm bench` does). The tfjs resolve
 * hook goes in first: packages that import tfjs-core's per-file modules then load under Node.
 */
export async function loadEngine() {
  const engine = await import("@tml/engine");
  engine.installTfjsResolveHook();
  return engine;
}

/**
 * Selects the engine for a case from `choice` (default TML_BENCH_ENGINE): "auto", "wasm-stock"
 * (wasm with its own kernels), "wasm-xnnpack" (fast kernels without onnxruntime), or any
 * selectEngine device.
 */
export async function selectBenchEngine(choice = process.env.TML_BENCH_ENGINE ?? "auto") {
  const { selectEngine } = await loadEngine();
  if (choice === "wasm-stock") {
    return selectEngine({ device: "wasm", fastKernels: false, logger: silentLogger });
  }
  if (choice === "wasm-xnnpack") {
    return selectEngine({
      device: "wasm",
      fastKernels: { onnxruntime: false },
      logger: silentLogger,
    });
  }
  return selectEngine({ device: choice, logger: silentLogger });
}
