// Forward pass (eval mode) of the local_small Heavy Ranker, batch 64 (its global_batch_size),
// probabilities read back: small products, so per-call overhead dominates. Variants as
// heavy-ranker-infer-full.mjs; the PyTorch reference
// scores the same shape (bench/reference/torch_cases.py).
import { heavyRankerInferCase, INFER_ENGINES } from "../lib/heavy-ranker-case.mjs";

export const name = "heavy_ranker_infer_small_samples_per_s";
export const engines = INFER_ENGINES;
export const unit = "samples/s";
export const repeats = 30;
export const warmup = 50;
/** Samples per second of one timed infer step. */
export const { setup, run, teardown } = heavyRankerInferCase("local_small", 64);
