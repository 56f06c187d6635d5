// GFLOP/s of aᵀ·b with 1024×1024 operands: the shape of every weight gradient (xᵀ·dy). Stock
// wasm sends transposed products around XNNPACK, so this is where the fast kernels matter.
import { matmulCase } from "../lib/matmul-case.mjs";

export const name = "matmul_1024_tn_gflops";
export const unit = "GFLOP/s";
export const engines = ["auto", "wasm-xnnpack", "wasm-stock"];
export const repeats = 2; // stock wasm takes ~20 s per run here
export const { setup, run, teardown } = matmulCase(1024, true);
