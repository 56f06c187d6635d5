// PROXY: one Adam step of a small MLP (512→256→128→1, batch norm, relu), batch 512.
import { mlpCase } from "../lib/mlp-case.mjs";
import { SMALL_LAYERS } from "../lib/mlp-proxy.mjs";

export const name = "heavy_ranker_proxy_train_small";
export const unit = "ms/step";
export const repeats = 10;
export const { setup, run, teardown, gflopsPerRun } = mlpCase(SMALL_LAYERS, "train");
