// PROXY until @tml/heavy-ranker's model is benchmarked directly: one Adam step of an MLP shaped
// like the Heavy Ranker's dense tower (2776→4096→2048→256→128→1, batch norm, relu), batch 512.
import { mlpCase } from "../lib/mlp-case.mjs";
import { FULL_LAYERS } from "../lib/mlp-proxy.mjs";

export const name = "heavy_ranker_proxy_train_full";
export const unit = "ms/step";
export const repeats = 5;
export const { setup, run, teardown, gflopsPerRun } = mlpCase(FULL_LAYERS, "train");
