import { checkStateArray, type StateDtype, type StateTypedArray } from "@tml/core";
import { loadCheckpointArray, resolveCheckpoint } from "@tml/training";
import type { TwhinConfig } from "../config/twhin-config.js";
import { EmbeddingTable } from "../model/embedding-table.js";
import { TwhinModel } from "../model/twhin-model.js";

/**
 * A model with the tables and relation operators of a TwHIN checkpoint (`<save_dir>/<step>` or a
 * save dir: its newest). Optimizer state is not read. CheckpointError when a shape or dtype
 * differs (a 16-bit table is saved as uint16 bit patterns). The tables are the arrays read from
 * the checkpoint (not copied: a table is in memory once).
 */
export async function loadTwhinModel(
  config: TwhinConfig,
  checkpoint: string,
): Promise<{ model: TwhinModel; path: string }> {
  const path = await resolveCheckpoint(checkpoint);
  const load = async (
    name: string,
    shape: number[],
    dtype: StateDtype,
  ): Promise<StateTypedArray> => {
    const array = await loadCheckpointArray(path, name, { modelKind: "twhin" });
    checkStateArray(name, array, shape, dtype);
    return array.data;
  };
  const tables: EmbeddingTable[] = [];
  for (const table of config.model.embeddings.tables) {
    const shape = [table.num_embeddings, table.embedding_dim];
    const dtype = table.data_type === "fp32" ? "float32" : "uint16";
    const data = await load(`table/${table.name}`, shape, dtype);
    const { name, num_embeddings: rows, embedding_dim: dim } = table;
    tables.push(
      new EmbeddingTable(name, rows, dim, table.data_type, data as Float32Array | Uint16Array),
    );
  }
  const model = new TwhinModel(config.model, tables);
  const operatorShape = [model.numOperatorRows, model.dim];
  model.relationParams.set(await load("relations", operatorShape, "float32"));
  return { model, path };
}
