import { ConfigError } from "@tml/core";
import { readPretrainedTable } from "@tml/data-io";
import type { RecapModelConfig } from "../config/model-config.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";

/**
 * Warm-starts the large embedding tables that have `pretrained` (the original's
 * `EmbeddingSnapshot`): tensor or entity type `emb_name` of `embedding_snapshot_uri` (a safetensors
 * file, a Parquet embedding export or an export folder, read by `@tml/data-io`'s
 * `readPretrainedTable`), stored rounded in a 16-bit table. Runs before the first step, over the
 * seeded initialisation (a resumed run then restores its checkpoint over it). A snapshot whose
 * rows x dim differ from the table's is a ConfigError naming both; a missing file or name is a
 * NotFoundError / DataError. Returns the names of the tables loaded.
 */
export async function loadPretrainedLargeTables(
  model: MultiTaskRankingModel,
  config: RecapModelConfig,
): Promise<string[]> {
  const tables = model.largeEmbeddings?.tables ?? [];
  const configured = config.large_embeddings?.tables ?? [];
  const loaded: string[] = [];
  for (const [index, tableConfig] of configured.entries()) {
    const pretrained = tableConfig.pretrained;
    const table = tables[index];
    if (!pretrained || !table) continue;
    const snapshot = await readPretrainedTable(
      pretrained.embedding_snapshot_uri,
      pretrained.emb_name,
    );
    const [rows, dim] = table.shape;
    if (snapshot.rows !== rows || snapshot.dim !== dim) {
      const where = `model.large_embeddings.tables.${index}.pretrained`;
      throw new ConfigError(
        `${where}: "${pretrained.emb_name}" of ${pretrained.embedding_snapshot_uri} is ${snapshot.rows} x ${snapshot.dim}, but table ${table.name} is ${rows} x ${dim}; match num_embeddings and embedding_dim to the snapshot`,
        { details: { path: where } },
      );
    }
    table.assign(snapshot.values);
    loaded.push(table.name);
  }
  return loaded;
}
