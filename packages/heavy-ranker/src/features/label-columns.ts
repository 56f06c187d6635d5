import { ConfigError } from "@tml/core";
import type { Parity } from "../config/recap-config.js";

/**
 * Which data label column trains each model task. `fixed`: the column whose `train_data.tasks`
 * key equals the task name. `original`: column t for model task t (the original's positional
 * alignment in `core/losses.py`: with local_prod, `is_favorited` trains on `is_bookmarked`).
 */
export function labelColumnIndices(
  modelTasks: readonly string[],
  dataTasks: readonly string[],
  parity: Parity,
): number[] {
  if (parity === "original") {
    if (modelTasks.length > dataTasks.length) {
      throw new ConfigError(
        `parity "original": the model has ${modelTasks.length} tasks but the data only ${dataTasks.length} label columns`,
      );
    }
    return modelTasks.map((_, index) => index);
  }
  return modelTasks.map((task) => {
    const index = dataTasks.indexOf(task);
    if (index < 0) {
      throw new ConfigError(
        `model task "${task}" has no label column; data tasks are ${dataTasks.join(", ")}`,
      );
    }
    return index;
  });
}
