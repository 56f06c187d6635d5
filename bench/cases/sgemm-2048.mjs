// Roofline: GFLOP/s of one float32 2048×2048 · 2048×2048 product on the libraries under the
// engine's products, called directly (no tfjs, no copies): "auto" = onnxruntime-node's MatMul
// (sgemm), "platform-blas" = the platform BLAS the engine loads (OpenBLAS's cblas_sgemm through
// koffi). The default rows run on every core (os.availableParallelism(), whatever
// TML_ENGINE_THREADS says), `@threads1` on one. With PyTorch's matmul_2048_gflops (OpenBLAS) in
// every reference setting, these rows make the machine's measured peak that each case's "% of
// peak" divides by (bench/README.md).
import { BackendError } from "@tml/core";
import { explicitThreads } from "../lib/thread-settings.mjs";

export const name = "sgemm_2048_gflops";
export const unit = "GFLOP/s";
export const reference = "matmul_2048_gflops";
export const engines = ["auto", "platform-blas"];
export const warmup = 2;
export const repeats = 7;

const SIZE = 2048;
const graph = () => ({
  inputs: [
    { name: "a", shape: [SIZE, SIZE] },
    { name: "b", shape: [SIZE, SIZE] },
  ],
  nodes: [{ opType: "MatMul", inputs: ["a", "b"], outputs: ["y"] }],
  outputs: [{ name: "y", shape: [SIZE, SIZE] }],
});
let state;

function randomMatrix(seed) {
  const values = new Float32Array(SIZE * SIZE);
  let x = seed >>> 0;
  for (let index = 0; index < values.length; index++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    values[index] = x / 2 ** 31 - 1;
  }
  return values;
}

function onnxruntimeProduct(engine, threads) {
  const loaded = engine.loadOrtRuntime(threads);
  if (!loaded.ok)
    throw new BackendError(`sgemm roofline: onnxruntime-node cannot be loaded (${loaded.reason})`);
  const { runtime } = loaded;
  return {
    label: `onnxruntime-node ${runtime.version} MatMul (sgemm)`,
    multiply: (a, b, y) => runtime.run("sgemm", graph, { a, b }, { y }),
    dispose: () => runtime.dispose(),
  };
}

function platformBlasProduct(engine, threads) {
  const loaded = engine.loadPlatformBlas(threads);
  if (!loaded.ok) throw new BackendError(`sgemm roofline: no platform BLAS (${loaded.reason})`);
  const { blas } = loaded;
  return {
    label: `${blas.library} cblas_sgemm`,
    multiply: (a, b, y) =>
      blas.sgemm(false, false, SIZE, SIZE, SIZE, a.data, SIZE, b.data, SIZE, 0, y.data, SIZE),
    dispose: () => {},
  };
}

export async function setup() {
  // The harness reads tf.memory() around the runs, which needs a backend; the product itself
  // never goes through tfjs.
  const { loadEngine, selectBenchEngine } = await import("../lib/tf.mjs");
  const variant = process.env.TML_BENCH_ENGINE ?? "auto";
  await selectBenchEngine("cpu");
  const engine = await loadEngine();
  const threads = explicitThreads();
  const product =
    variant === "platform-blas"
      ? platformBlasProduct(engine, threads)
      : onnxruntimeProduct(engine, threads);
  state = {
    product,
    a: { data: randomMatrix(1), shape: [SIZE, SIZE] },
    b: { data: randomMatrix(2), shape: [SIZE, SIZE] },
    y: { data: new Float32Array(SIZE * SIZE), shape: [SIZE, SIZE] },
  };
  return { label: product.label, engineThreads: threads };
}

export async function run() {
  const start = performance.now();
  state.product.multiply(state.a, state.b, state.y);
  const seconds = (performance.now() - start) / 1000;
  if (!Number.isFinite(state.y.data[SIZE * SIZE - 1]))
    throw new Error("sgemm roofline: the product has a non-finite entry");
  return (2 * SIZE ** 3) / seconds / 1e9;
}

export async function teardown() {
  state.product.dispose();
}
