import type { Logger } from "@tml/core";
import type { TwhinConfig } from "../config/twhin-config.js";
import { loadTwhinModel } from "./load-model.js";
import { nearestNeighbours } from "./nearest-neighbours.js";

/** The nearest neighbours of one entity in its own table, closest first. */
export interface EntityNeighbours {
  /** Entity type (table name). */
  table: string;
  /** Row of the entity in its table. */
  id: number;
  /** Neighbour rows and their cosine similarity in [-1, 1]; the entity itself is left out. */
  neighbours: { id: number; score: number }[];
}

/** Options of `sampleNeighbours`. */
export interface SampleNeighboursOptions {
  config: TwhinConfig;
  /** Checkpoint folder or save dir (newest). */
  checkpoint: string;
  /** Entities per table (rows 0…samples−1) and neighbours each (default 5). */
  samples?: number;
  device?: string;
  logger?: Logger;
}

/**
 * A qualitative look at a checkpoint's embeddings: for the first `samples` entities of every table,
 * their `samples` nearest neighbours by cosine similarity in the same table.
 */
export async function sampleNeighbours(
  options: SampleNeighboursOptions,
): Promise<EntityNeighbours[]> {
  const { model } = await loadTwhinModel(options.config, options.checkpoint);
  const samples = options.samples ?? 5;
  const lists: EntityNeighbours[] = [];
  for (const table of model.tables) {
    const ids = Array.from({ length: Math.min(samples, table.rows) }, (_, i) => i);
    const found = await nearestNeighbours({
      table,
      ids,
      k: samples,
      metric: "cos",
      device: options.device ?? "auto",
      ...(options.logger ? { logger: options.logger } : {}),
    });
    ids.forEach((id, query) => {
      const neighbours: EntityNeighbours["neighbours"] = [];
      for (let r = 0; r < found.k; r++) {
        const neighbour = found.ids[query * found.k + r] as number;
        if (neighbour >= 0)
          neighbours.push({ id: neighbour, score: found.scores[query * found.k + r] as number });
      }
      lists.push({ table: table.name, id, neighbours });
    });
  }
  return lists;
}
