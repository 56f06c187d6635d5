// One training step of local_small.yaml (2 mask blocks of 32, MLP 64, 4 towers), its batch of 64.
// 50 warm-up steps on both sides: V8 and the wasm tiers need ~50 steps to reach steady state here.
import { heavyRankerCase } from "../lib/heavy-ranker-case.mjs";

const BATCH = 64;
const body = heavyRankerCase("local_small", "train", BATCH);

export const name = "heavy_ranker_train_small_samples_per_s";
export const unit = "samples/s";
export const repeats = 30;
export const warmup = 50;
export const { setup, teardown } = body;
/** Samples per second of one timed train step (the body measures milliseconds). */
export async function run() {
  return BATCH / ((await body.run()) / 1000);
}
