import { join } from "node:path";
import type { GraphDescriptor } from "../generators/graph-descriptor.js";
import { type EdgeSplit, writeEdgeGraph } from "./edge-graph-writer.js";
import { lineError, readTextLines } from "./text-lines.js";

/** Options of `convertKnowledgeGraph`. */
export interface KnowledgeGraphOptions {
  /** Split name → file name inside the input folder. Default train/valid/test → *.txt. */
  splits?: Record<string, string>;
  /** Name of the single entity table. Default "entity". */
  tableName?: string;
}

interface Triples {
  heads: string[];
  relations: string[];
  tails: string[];
}

/** A knowledge graph read from TSV: names in id order and each split's edges as ids. */
export interface KnowledgeGraphTriples {
  /** Entity names, id = index: the code-unit order of every name of every split. */
  entities: string[];
  /** Relation names, id = index, in the same order. */
  relations: string[];
  /** Per split (in `splits` order): the edges as entity / relation ids, duplicates kept. */
  splits: Map<string, EdgeSplit>;
}

/**
 * Reads a knowledge graph's `head<TAB>relation<TAB>tail` TSV files (FB15k-237, WN18RR, …), one
 * per split, with one entity and one relation dictionary over all splits: entities and relations
 * seen only in valid/test keep an id (the LibKGE convention). Ids follow the code-unit order of
 * the names, so they depend on neither file nor row order. A missing file is a NotFoundError; a
 * line without exactly three non-empty fields a DataError naming file:line.
 */
export async function readKnowledgeGraphTriples(
  inDir: string,
  options: Pick<KnowledgeGraphOptions, "splits"> = {},
): Promise<KnowledgeGraphTriples> {
  const splitFiles = options.splits ?? { train: "train.txt", valid: "valid.txt", test: "test.txt" };
  const triples = new Map<string, Triples>();
  for (const [split, file] of Object.entries(splitFiles))
    triples.set(split, await readTriples(join(inDir, file)));
  const entityNames = new Set<string>();
  const relationNames = new Set<string>();
  for (const { heads, relations, tails } of triples.values()) {
    for (const name of heads) entityNames.add(name);
    for (const name of tails) entityNames.add(name);
    for (const name of relations) relationNames.add(name);
  }
  const entities = [...entityNames].sort(byCodeUnit);
  const relations = [...relationNames].sort(byCodeUnit);
  const entityId = new Map(entities.map((name, id) => [name, id]));
  const relationId = new Map(relations.map((name, id) => [name, id]));
  const splits = new Map<string, EdgeSplit>();
  for (const [split, { heads, relations: names, tails }] of triples) {
    splits.set(split, {
      lhs: heads.map((name) => entityId.get(name) as number),
      rel: names.map((name) => relationId.get(name) as number),
      rhs: tails.map((name) => entityId.get(name) as number),
    });
  }
  return { entities, relations, splits };
}

/**
 * Converts a knowledge graph in `head<TAB>relation<TAB>tail` TSV files (read by
 * `readKnowledgeGraphTriples`) into TwHIN edges: per split `edges/<split>/part-00000.parquet` with
 * int64 `lhs`, `rel`, `rhs`; `entities.json` / `relations.json` (name arrays, index = id); and
 * `graph.json` with one entity table. Entities and relations seen only in valid/test are counted
 * in `statistics` (`writeEdgeGraph`).
 */
export async function convertKnowledgeGraph(
  inDir: string,
  outDir: string,
  options: KnowledgeGraphOptions = {},
): Promise<GraphDescriptor> {
  const splitFiles = options.splits ?? { train: "train.txt", valid: "valid.txt", test: "test.txt" };
  const tableName = options.tableName ?? "entity";
  const { entities, relations, splits } = await readKnowledgeGraphTriples(inDir, {
    splits: splitFiles,
  });
  return writeEdgeGraph(outDir, {
    tables: [{ name: tableName, names: entities, dictionaryFile: "entities.json" }],
    relations: relations.map((name) => ({ name, lhs: tableName, rhs: tableName })),
    splits,
    source: { converter: "@tml/data-io convertKnowledgeGraph", input: inDir, files: splitFiles },
    statistics: { entities: entities.length, relations: relations.length },
  });
}

async function readTriples(path: string): Promise<Triples> {
  const triples: Triples = { heads: [], relations: [], tails: [] };
  for await (const { text, number } of readTextLines(path)) {
    if (text.trim() === "") continue;
    const fields = text.split("\t");
    if (fields.length !== 3 || fields.some((field) => field.trim() === "")) {
      throw lineError(
        path,
        number,
        `expected head<TAB>relation<TAB>tail, got ${fields.length} tab-separated field(s): ${JSON.stringify(text.slice(0, 120))}`,
      );
    }
    triples.heads.push((fields[0] as string).trim());
    triples.relations.push((fields[1] as string).trim());
    triples.tails.push((fields[2] as string).trim());
  }
  return triples;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
