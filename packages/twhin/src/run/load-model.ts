import { CheckpointError, checkStateArray } from "@tml/core";
import { loadCheckpointArray, resolveCheckpoint } from "@tml/training";
import type { TwhinConfig } from "../config/twhin-config.js";
import { EmbeddingTable } from "../model/embedding-table.js";
import { TwhinModel } from "../model/twhin-model.js";

/**
 * A model with the tables and relation operators of a TwHIN checkpoint (`<save_dir>/<step>` or a
 * save dir: its newest). Optimizer state is not read. CheckpointError when a shape differs. The
 * tables are the arrays read from the checkpoint (not copied: a table is in memory once).
 */
export async function loadTwhinModel(
  config: TwhinConfig,
  checkpoint: string,
): Promise<{ model: TwhinModel; path: string }> {
  const path = await resolveCheckpoint(checkpoint);
  const load = async (name: string, shape: number[]): Promise<Float32Array> => {
    const array = await loadCheckpointArray(path, name, { modelKind: "twhin" });
    checkStateArray(name, array, shape, "float32");
    if (!(array.data instanceof Float32Array))
      throw new CheckpointError(`Array "${name}" of ${path} is not float32.`);
    return array.data;
  };
  const tables: EmbeddingTable[] = [];
  for (const table of config.model.embeddings.tables) {
    const shape = [table.num_embeddings, table.embedding_dim];
    const data = await load(`table/${table.name}`, shape);
    tables.push(new EmbeddingTable(table.name, table.num_embeddings, table.embedding_dim, data));
  }
  const model = new TwhinModel(config.model, tables);
  model.relationParams.set(await load("relations", [model.numOperatorRows, model.dim]));
  return { model, path };
}
