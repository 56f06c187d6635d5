// GFLOP/s of a float32 2048×2048 · 2048×2048 product on the default engine, on wasm with XNNPACK
// only (fast kernels without onnxruntime) and on stock wasm.
import { matmulCase } from "../lib/matmul-case.mjs";

export const name = "matmul_2048_gflops";
export const unit = "GFLOP/s";
export const engines = ["auto", "wasm-xnnpack", "wasm-stock"];
export const repeats = 5;
export const { setup, run, teardown } = matmulCase(2048, false);
