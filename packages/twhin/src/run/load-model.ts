import { CheckpointError, checkStateArray } from "@tml/core";
import { loadCheckpointArray, resolveCheckpoint } from "@tml/training";
import type { TwhinConfig } from "../config/twhin-config.js";
import { TwhinModel } from "../model/twhin-model.js";

/**
 * A model with the tables and relation operators of a TwHIN checkpoint (`<save_dir>/<step>` or a
 * save dir: its newest). Optimizer state is not read. CheckpointError when a shape differs.
 */
export async function loadTwhinModel(
  config: TwhinConfig,
  checkpoint: string,
): Promise<{ model: TwhinModel; path: string }> {
  const path = await resolveCheckpoint(checkpoint);
  const model = new TwhinModel(config.model);
  const load = async (name: string, target: Float32Array, shape: number[]) => {
    const array = await loadCheckpointArray(path, name, { modelKind: "twhin" });
    checkStateArray(name, array, shape, "float32");
    if (!(array.data instanceof Float32Array))
      throw new CheckpointError(`Array "${name}" of ${path} is not float32.`);
    target.set(array.data);
  };
  for (const table of model.tables)
    await load(`table/${table.name}`, table.data, [table.rows, table.dim]);
  await load("relations", model.relationParams, [model.numOperatorRows, model.dim]);
  return { model, path };
}
