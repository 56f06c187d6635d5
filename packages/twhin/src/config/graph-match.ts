import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, DataError } from "@tml/core";
import type { TwhinConfig } from "./twhin-config.js";

/** What a graph folder declares (the part of @tml/data-io's `graph.json` a config must match). */
export interface GraphShape {
  tables: readonly { name: string; num_embeddings: number }[];
  relations: readonly { name: string; lhs: string; rhs: string }[];
}

/** The folder of a data root: `<graph>/edges/train` itself, a glob's or a file's folder. */
function literalDirectory(dataRoot: string): string {
  const wildcard = dataRoot.search(/[*?[{]/);
  if (wildcard >= 0) return dirname(dataRoot.slice(0, wildcard + 1));
  return existsSync(dataRoot) && statSync(dataRoot).isFile() ? dirname(dataRoot) : dataRoot;
}

/**
 * The `graph.json` that describes the edges under `dataRoot` (written by @tml/data-io's converters
 * and generator at `<graph>/graph.json` beside `<graph>/edges/<split>/`), found in the data root's
 * folder or up to two folders above it; undefined when there is none.
 */
export function findGraphDescriptor(dataRoot: string): string | undefined {
  let directory = literalDirectory(dataRoot);
  for (let level = 0; level < 3; level++) {
    const candidate = join(directory, "graph.json");
    if (existsSync(candidate)) return candidate;
    directory = dirname(directory);
  }
  return undefined;
}

/** Reads a `graph.json` (DataError naming the file when it is not one). */
export function readGraphShape(path: string): GraphShape {
  try {
    const shape = JSON.parse(readFileSync(path, "utf8")) as Partial<GraphShape>;
    if (Array.isArray(shape.tables) && Array.isArray(shape.relations)) return shape as GraphShape;
  } catch (cause) {
    throw new DataError(`${path} is not a graph descriptor (JSON with tables and relations).`, {
      cause,
      details: { file: path },
    });
  }
  throw new DataError(`${path} is not a graph descriptor (JSON with tables and relations).`, {
    details: { file: path },
  });
}

/**
 * Checks a TwHIN config against the graph its edges come from: the data's `rel` column indexes
 * the graph's relations in order, so relation i of the config must have the graph's name, lhs and
 * rhs, there must be no relation the data never holds, and every table must have room for the
 * graph's ids. ConfigError naming the key path (led by `keyPrefix` when the TwHIN config is a
 * section of another, `twhin.`) and `source` (the graph.json) otherwise.
 */
export function checkConfigAgainstGraph(
  config: Pick<TwhinConfig, "model">,
  graph: GraphShape,
  source: string,
  keyPrefix = "",
): void {
  const problems: string[] = [];
  const declared = config.model.relations;
  graph.relations.forEach((relation, index) => {
    const configured = declared[index];
    const key = `${keyPrefix}model.relations[${index}]`;
    if (!configured) {
      problems.push(
        `${key}: missing; ${source} has relation ${index} "${relation.name}" (${relation.lhs} → ${relation.rhs})`,
      );
    } else if (
      configured.name !== relation.name ||
      configured.lhs !== relation.lhs ||
      configured.rhs !== relation.rhs
    ) {
      problems.push(
        `${key}: is "${configured.name}" (${configured.lhs} → ${configured.rhs}) but ${source} has relation ${index} "${relation.name}" (${relation.lhs} → ${relation.rhs}); the data's rel column indexes the graph's relations in order`,
      );
    }
  });
  for (let index = graph.relations.length; index < declared.length; index++) {
    problems.push(
      `${keyPrefix}model.relations[${index}]: "${declared[index]?.name}" is not a relation of ${source} (it has ${graph.relations.length}: ${graph.relations.map((r) => r.name).join(", ")})`,
    );
  }
  const sizes = new Map(graph.tables.map((table) => [table.name, table.num_embeddings]));
  config.model.embeddings.tables.forEach((table, index) => {
    const needed = sizes.get(table.name);
    if (needed !== undefined && table.num_embeddings < needed) {
      problems.push(
        `${keyPrefix}model.embeddings.tables[${index}].num_embeddings: ${table.num_embeddings} rows, but ${source} has ${needed} "${table.name}" ids`,
      );
    }
  });
  if (problems.length > 0) {
    throw new ConfigError(`Config does not match ${source}:\n  ${problems.join("\n  ")}`, {
      details: { source, issues: problems },
    });
  }
}
