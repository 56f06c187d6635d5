// Forward pass (eval mode) of the local_prod Heavy Ranker, batch 512, probabilities read back.
// Variants: "auto" = the tfjs model on the default engine; "onnx-fp32" / "onnx-int8" = the model
// compiled to one ONNX graph (weights as initializers; int8 = per-channel int8 dense layers with
// dynamically quantised inputs) scored by OnnxScorer. All compare with PyTorch's fp32 forward.
import { heavyRankerInferCase, INFER_ENGINES } from "../lib/heavy-ranker-case.mjs";

export const name = "heavy_ranker_infer_full_samples_per_s";
export const engines = INFER_ENGINES;
export const unit = "samples/s";
export const repeats = 5;
export const warmup = 1;
/** Samples per second of one timed infer step. */
export const { setup, run, teardown } = heavyRankerInferCase("local_prod", 512);
