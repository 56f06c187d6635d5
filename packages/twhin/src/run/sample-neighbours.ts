import type { Logger } from "@tml/core";
import type { EntityNames } from "../data/entity-names.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { nearestNeighbours } from "./nearest-neighbours.js";

/** The nearest neighbours of one entity in its own table, closest first. */
export interface EntityNeighbours {
  /** Entity type (table name). */
  table: string;
  /** Row of the entity in its table. */
  id: number;
  /** The entity's name, when the graph has a name dictionary for its table. */
  name?: string;
  /** Neighbour rows (and names) and their cosine similarity in [-1, 1]; the entity itself is left out. */
  neighbours: { id: number; name?: string; score: number }[];
}

/** Options of `sampleNeighbours`. */
export interface SampleNeighboursOptions {
  /** A loaded model (`loadTwhinModel`, or `evaluateTwhin`'s result). */
  model: TwhinModel;
  /** Entities per table (rows 0…samples−1) and neighbours each (default 5). */
  samples?: number;
  /** Names by table (`readEntityNames`); tables without a dictionary of their row count show ids. */
  names?: EntityNames;
  device?: string;
  logger?: Logger;
}

/**
 * A qualitative look at a model's embeddings: for the first `samples` entities of every table,
 * their `samples` nearest neighbours by cosine similarity in the same table, named when `names`
 * has the table's dictionary.
 */
export async function sampleNeighbours(
  options: SampleNeighboursOptions,
): Promise<EntityNeighbours[]> {
  const { model } = options;
  const samples = options.samples ?? 5;
  const lists: EntityNeighbours[] = [];
  for (const table of model.tables) {
    const dictionary = options.names?.get(table.name);
    const named = dictionary?.length === table.rows ? dictionary : undefined;
    const withName = (id: number) => (named ? { id, name: named[id]! } : { id });
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
          neighbours.push({ ...withName(neighbour), score: found.scores[query * found.k + r]! });
      }
      lists.push({ table: table.name, ...withName(id), neighbours });
    });
  }
  return lists;
}
