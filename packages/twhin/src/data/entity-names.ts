import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DataError } from "@tml/core";

/** Entity names by table: `names.get(table)[id]`, from a converted graph's name dictionaries. */
export type EntityNames = ReadonlyMap<string, readonly string[]>;

/** Folders above the data root searched for `graph.json` (`<graph>/edges/<split>/*.parquet`). */
const LEVELS = 3;

/**
 * The entity names of the graph that `dataRoot` (an edge glob or folder) belongs to: the
 * `dictionary_file` of each table in the nearest `graph.json` at or above the data's folder
 * (written by `tml-data convert`, e.g. `entities.json`, `users.json`). Empty when there is no
 * `graph.json` or its tables name no dictionary; a dictionary that is not a JSON array of strings
 * is a DataError naming the file.
 */
export function readEntityNames(dataRoot: string): EntityNames {
  let dir = /[*?]/.test(dataRoot) ? dirname(dataRoot) : dataRoot;
  for (let level = 0; level <= LEVELS; level++, dir = dirname(dir)) {
    const descriptor = join(dir, "graph.json");
    if (existsSync(descriptor)) return dictionaries(dir, descriptor);
  }
  return new Map();
}

function dictionaries(dir: string, descriptor: string): EntityNames {
  const names = new Map<string, string[]>();
  const graph = parse(descriptor) as { tables?: { name?: unknown; dictionary_file?: unknown }[] };
  for (const table of graph.tables ?? []) {
    if (typeof table.name !== "string" || typeof table.dictionary_file !== "string") continue;
    const file = join(dir, table.dictionary_file);
    if (!existsSync(file)) continue;
    const list = parse(file);
    if (!Array.isArray(list) || !list.every((name) => typeof name === "string")) {
      throw new DataError(`${file} is not a JSON array of entity names.`, { details: { file } });
    }
    names.set(table.name, list);
  }
  return names;
}

function parse(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new DataError(`${file} is not valid JSON.`, { cause, details: { file } });
  }
}
