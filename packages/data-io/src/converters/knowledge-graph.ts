import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@tml/core";
import {
  edgeTable,
  type GraphDescriptor,
  writeGraphDescriptor,
} from "../generators/graph-descriptor.js";
import { writeParquetFile } from "../parquet/index.js";
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

/**
 * Converts a knowledge graph in `head<TAB>relation<TAB>tail` TSV files (FB15k-237, WN18RR, …) into
 * TwHIN edges: per split `edges/<split>/part-00000.parquet` with int64 `lhs`, `rel`, `rhs`;
 * `entities.json` / `relations.json` (name arrays, index = id); and `graph.json` with one entity
 * table. Ids follow the code-unit order of the names, so they depend on neither file nor row
 * order. Entities and relations seen only in valid/test are kept (LibKGE convention) and counted
 * in `statistics`. A line without exactly three non-empty fields is a DataError naming file:line.
 */
export async function convertKnowledgeGraph(
  inDir: string,
  outDir: string,
  options: KnowledgeGraphOptions = {},
): Promise<GraphDescriptor> {
  const splitFiles = options.splits ?? { train: "train.txt", valid: "valid.txt", test: "test.txt" };
  const tableName = options.tableName ?? "entity";
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
  const train = triples.get("train");
  const trainEntities = new Set([...(train?.heads ?? []), ...(train?.tails ?? [])]);
  const trainRelations = new Set(train?.relations ?? []);
  const statistics: Record<string, number> = {
    entities: entities.length,
    relations: relations.length,
    train_entities: trainEntities.size,
  };
  const splits: GraphDescriptor["splits"] = {};
  const perRelation = relations.map(() => ({}) as Record<string, number>);
  for (const [split, { heads, relations: rels, tails }] of triples) {
    const rows = heads.length;
    const lhs = new Float64Array(rows);
    const rel = new Float64Array(rows);
    const rhs = new Float64Array(rows);
    let unseenTriples = 0;
    let unseenRelationTriples = 0;
    const unseenEntities = new Set<string>();
    for (let i = 0; i < rows; i++) {
      const head = heads[i] as string;
      const tail = tails[i] as string;
      lhs[i] = entityId.get(head) as number;
      rel[i] = relationId.get(rels[i] as string) as number;
      rhs[i] = entityId.get(tail) as number;
      const counts = perRelation[rel[i] as number] as Record<string, number>;
      counts[split] = (counts[split] ?? 0) + 1;
      if (split === "train") continue;
      const headUnseen = !trainEntities.has(head);
      const tailUnseen = !trainEntities.has(tail);
      if (headUnseen) unseenEntities.add(head);
      if (tailUnseen) unseenEntities.add(tail);
      if (headUnseen || tailUnseen) unseenTriples++;
      if (!trainRelations.has(rels[i] as string)) unseenRelationTriples++;
    }
    if (split !== "train") {
      statistics[`${split}_triples_with_unseen_entity`] = unseenTriples;
      statistics[`${split}_unseen_entities`] = unseenEntities.size;
      statistics[`${split}_triples_with_unseen_relation`] = unseenRelationTriples;
    }
    const path = join("edges", split, "part-00000.parquet");
    mkdirSync(join(outDir, "edges", split), { recursive: true });
    await writeParquetFile(join(outDir, path), edgeTable(lhs, rel, rhs), { compression: "zstd" });
    splits[split] = { rows, files: [{ path, rows }] };
  }
  writeFileAtomic(join(outDir, "entities.json"), `${JSON.stringify(entities)}\n`);
  writeFileAtomic(join(outDir, "relations.json"), `${JSON.stringify(relations)}\n`);
  const descriptor: GraphDescriptor = {
    format: "tml-graph/1",
    source: { converter: "@tml/data-io convertKnowledgeGraph", input: inDir, files: splitFiles },
    tables: [
      { name: tableName, num_embeddings: entities.length, dictionary_file: "entities.json" },
    ],
    relations: relations.map((name, r) => ({
      name,
      lhs: tableName,
      rhs: tableName,
      edges: perRelation[r] as Record<string, number>,
    })),
    splits,
    statistics,
  };
  writeGraphDescriptor(outDir, descriptor);
  return descriptor;
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
