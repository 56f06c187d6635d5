// Forward pass (eval mode) of the local_prod Heavy Ranker, batch 512, probabilities read back.
import { heavyRankerCase } from "../lib/heavy-ranker-case.mjs";

const BATCH = 512;
const body = heavyRankerCase("local_prod", "infer", BATCH);

export const name = "heavy_ranker_infer_full_samples_per_s";
export const unit = "samples/s";
export const repeats = 5;
export const warmup = 1;
export const { setup, teardown } = body;
/** Samples per second of one timed infer step (the body measures milliseconds). */
export async function run() {
  return BATCH / ((await body.run()) / 1000);
}
