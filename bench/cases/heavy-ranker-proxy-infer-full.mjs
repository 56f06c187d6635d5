// PROXY: one forward pass (scores) of the Heavy-Ranker-shaped MLP, batch 512.
import { mlpCase } from "../lib/mlp-case.mjs";
import { FULL_LAYERS } from "../lib/mlp-proxy.mjs";

export const name = "heavy_ranker_proxy_infer_full";
export const unit = "ms/batch";
export const repeats = 5;
export const { setup, run, teardown, gflopsPerRun } = mlpCase(FULL_LAYERS, "infer");
