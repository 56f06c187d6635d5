// Forward pass (eval mode) of the local_small Heavy Ranker, batch 64 (its global_batch_size),
// probabilities read back: small products, so per-call overhead dominates. Variants as
// heavy-ranker-infer-full.mjs: "auto" = the tfjs model; "onnx-fp32" / "onnx-int8" = OnnxScorer.
// PyTorch has no reference for this case yet (bench/reference/torch_cases.py).
import { heavyRankerCase } from "../lib/heavy-ranker-case.mjs";

const BATCH = 64;
const variant = process.env.TML_BENCH_ENGINE ?? "auto";
const scorer = variant.startsWith("onnx-") ? variant.slice("onnx-".length) : undefined;
if (scorer) process.env.TML_BENCH_ENGINE = "auto"; // the tfjs side (building the model) runs on the default engine
const body = heavyRankerCase("local_small", "infer", BATCH, { scorer });

export const name = "heavy_ranker_infer_small_samples_per_s";
export const engines = ["auto", "onnx-fp32", "onnx-int8"];
export const unit = "samples/s";
export const repeats = 20;
export const warmup = 3;
export const { setup, teardown } = body;
/** Samples per second of one timed infer step (the body measures milliseconds). */
export async function run() {
  return BATCH / ((await body.run()) / 1000);
}
