// One training step of the real local_prod Heavy Ranker (48,115,108 parameters: parallel MaskNet
// 4 x 1024 + MLP 2048, 10 MLP towers), batch 512, Adam with per-tower LR groups, after warm-up.
import { heavyRankerCase } from "../lib/heavy-ranker-case.mjs";

const BATCH = 512;
const body = heavyRankerCase("local_prod", "train", BATCH);

export const name = "heavy_ranker_train_full_samples_per_s";
export const unit = "samples/s";
export const repeats = 3;
export const warmup = 1;
export const { setup, teardown } = body;
/** Samples per second of one timed train step (the body measures milliseconds). */
export async function run() {
  return BATCH / ((await body.run()) / 1000);
}
