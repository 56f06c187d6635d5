import { DataError, type Logger } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { type Neighbours, topKNeighbours } from "../export/nearest.js";
import type { EmbeddingTable } from "../model/embedding-table.js";
import { loadTwhinModel } from "./load-model.js";
import { type ConfigSource, resolveConfig } from "./resolve-config.js";

/** Options of `nearestNeighbours`: a table from a checkpoint (config + checkpoint) or given directly. */
export interface NearestNeighboursOptions {
  config?: ConfigSource;
  overrides?: readonly string[];
  checkpoint?: string;
  /** An in-memory table instead of config + checkpoint. */
  table?: EmbeddingTable;
  /** Entity type searched (and of `ids`). */
  entityType?: string;
  /** Query ids (rows of the table); each is left out of its own neighbours. */
  ids?: ArrayLike<number>;
  /** Query vectors (n x dim), instead of ids. */
  vectors?: Float32Array;
  k: number;
  metric?: "dot" | "cos";
  device?: string;
  logger?: Logger;
}

/** Exact top-k neighbours by dot or cosine for a batch of query ids or vectors. */
export async function nearestNeighbours(
  options: NearestNeighboursOptions,
): Promise<Neighbours & { entityType: string }> {
  await selectEngine({
    device: options.device ?? "auto",
    gradients: false,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let table = options.table;
  if (!table) {
    if (!options.config)
      throw new DataError("nearestNeighbours needs a table, or a config and a checkpoint.");
    const config = resolveConfig(options.config, options.overrides);
    const { model } = await loadTwhinModel(config, options.checkpoint ?? config.training.save_dir);
    table = model.tables[model.tableIndex(options.entityType ?? model.tables[0]!.name)]!;
  }
  const dim = table.dim;
  let queries: Float32Array;
  let exclude: Int32Array | undefined;
  if (options.ids) {
    const ids = options.ids;
    queries = new Float32Array(ids.length * dim);
    exclude = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < table.rows)) {
        throw new DataError(
          `Query id ${id} is outside table "${table.name}" (${table.rows} rows).`,
          { details: { id } },
        );
      }
      table.readRow(id, queries, i * dim);
      exclude[i] = id;
    }
  } else if (options.vectors) {
    if (options.vectors.length % dim !== 0) {
      throw new DataError(
        `Query vectors hold ${options.vectors.length} floats, not a multiple of dim ${dim}.`,
      );
    }
    queries = options.vectors;
  } else {
    throw new DataError("nearestNeighbours needs query ids or vectors.");
  }
  const q = queries.length / dim;
  const result = await topKNeighbours(table.toFloat32(), table.rows, dim, queries, q, {
    k: options.k,
    metric: options.metric ?? "dot",
    ...(exclude ? { exclude } : {}),
  });
  return { ...result, entityType: table.name };
}
