// Forward pass (eval mode) of the local_prod Heavy Ranker, batch 512, probabilities read back.
// Variants: "auto" = the tfjs model on the default engine; "onnx-fp32" / "onnx-int8" = the model
// compiled to one ONNX graph (weights as initializers; int8 = per-channel int8 dense layers with
// dynamically quantised inputs) scored by OnnxScorer. All compare with PyTorch's fp32 forward.
import { heavyRankerCase } from "../lib/heavy-ranker-case.mjs";

const BATCH = 512;
const variant = process.env.TML_BENCH_ENGINE ?? "auto";
const scorer = variant.startsWith("onnx-") ? variant.slice("onnx-".length) : undefined;
if (scorer) process.env.TML_BENCH_ENGINE = "auto"; // the tfjs side (building the model) runs on the default engine
const body = heavyRankerCase("local_prod", "infer", BATCH, { scorer });

export const name = "heavy_ranker_infer_full_samples_per_s";
export const engines = ["auto", "onnx-fp32", "onnx-int8"];
export const unit = "samples/s";
export const repeats = 5;
export const warmup = 1;
export const { setup, teardown } = body;
/** Samples per second of one timed infer step (the body measures milliseconds). */
export async function run() {
  return BATCH / ((await body.run()) / 1000);
}
