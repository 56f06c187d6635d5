import { ConfigError } from "@tml/core";
import { readPretrainedTable } from "@tml/data-io";
import type { TwhinModelConfig } from "../config/twhin-config.js";
import type { TwhinModel } from "../model/twhin-model.js";

/**
 * Warm-starts every table with a `pretrained` section (the original's `EmbeddingSnapshot`:
 * `emb_name` in `embedding_snapshot_uri`) from a TwHIN export folder or file, or a safetensors
 * tensor (`@tml/data-io`'s `readPretrainedTable`); a 16-bit table stores the values rounded. A
 * shape that differs from the table's `num_embeddings x embedding_dim` is a ConfigError naming the
 * table and both shapes; a missing or malformed file or name is a NotFoundError / DataError. Runs
 * before training, after the seeded initialisation; a resumed run then restores its checkpoint
 * over it. Returns the names of the tables it loaded.
 */
export async function loadPretrainedTables(
  model: TwhinModel,
  config: TwhinModelConfig,
): Promise<string[]> {
  const loaded: string[] = [];
  for (const [index, table] of config.embeddings.tables.entries()) {
    if (!table.pretrained) continue;
    const { emb_name: name, embedding_snapshot_uri: uri } = table.pretrained;
    const found = await readPretrainedTable(uri, name);
    if (found.rows !== table.num_embeddings || found.dim !== table.embedding_dim) {
      throw new ConfigError(
        `Table "${table.name}" expects ${table.num_embeddings} x ${table.embedding_dim} but its pretrained "${name}" in ${uri} is ${found.rows} x ${found.dim}; fix num_embeddings / embedding_dim or the snapshot.`,
        {
          details: {
            path: `model.embeddings.tables.${index}.pretrained`,
            expected: [table.num_embeddings, table.embedding_dim],
            found: [found.rows, found.dim],
          },
        },
      );
    }
    model.tables[model.tableIndex(table.name)]!.setFloat32(found.values);
    loaded.push(table.name);
  }
  return loaded;
}
