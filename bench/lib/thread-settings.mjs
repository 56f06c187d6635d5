// The two thread settings every case runs under (bench/run.mjs sets TML_BENCH_THREADS for each
// child): "default" leaves TML_ENGINE_THREADS unset, so the engine picks its own count, as the CLIs
// do with no flags; "1" sets TML_ENGINE_THREADS=1 (the `<case>@threads1` rows).
import { availableParallelism } from "node:os";

/**
 * Bench engines that never reach onnxruntime's thread pool (wasm with XNNPACK only, stock wasm):
 * TML_ENGINE_THREADS cannot change them, so they get no `@threads1` row.
 */
export const SINGLE_THREAD_ENGINES = ["wasm-xnnpack", "wasm-stock"];

/** The setting this case process runs under: "default" or "1". */
export function threadSetting(env = process.env) {
  return env.TML_BENCH_THREADS === "1" ? "1" : "default";
}

/**
 * Threads for a case that sizes a pool itself rather than through the engine (the sgemm roofline):
 * every core the process may use (os.availableParallelism()) in the default setting, else 1.
 */
export function explicitThreads(env = process.env) {
  return threadSetting(env) === "1" ? 1 : availableParallelism();
}
