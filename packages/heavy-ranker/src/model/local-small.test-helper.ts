import { fileURLToPath } from "node:url";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { buildRankingModel } from "./build-model.js";
import { randomizeVariables } from "./gradient-check.test-helper.js";
import type { MultiTaskRankingModel } from "./ranking-model.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));

/**
 * local_small's architecture (featurization batch norm + clamp + layer norm, embedding layer
 * norms, parallel MaskNet, batch-norm towers with dropout) on 64 continuous and 59 binary features,
 * with random weights (scale 0.3).
 */
export function buildLocalSmall(): MultiTaskRankingModel {
  const config = loadRecapConfig(`${configs}local_small.yaml`, { env: { HOME: "/tmp" } });
  const model = buildRankingModel(config, { continuousWidth: 64, binaryWidth: 59 });
  randomizeVariables(model.trainableVariables(), 0.3);
  return model;
}
