import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@tml/core";
import {
  edgeTable,
  type GraphDescriptor,
  writeGraphDescriptor,
} from "../generators/graph-descriptor.js";
import { writeParquetFile } from "../parquet/index.js";

/** One split's edges with ids already assigned: node ids per row and relation indices. */
export interface EdgeSplit {
  lhs: ArrayLike<number>;
  rel: ArrayLike<number>;
  rhs: ArrayLike<number>;
}

/** What `writeEdgeGraph` needs: tables (with optional name dictionaries), relations, splits. */
export interface EdgeGraph {
  tables: { name: string; names: string[]; dictionaryFile: string }[];
  relations: { name: string; lhs: string; rhs: string }[];
  /** Splits by name; `train` defines what counts as seen. */
  splits: Map<string, EdgeSplit>;
  source: Record<string, unknown>;
  statistics?: Record<string, number>;
}

/**
 * Writes a converted graph: `edges/<split>/part-00000.parquet` (int64 `lhs`, `rel`, `rhs`), one
 * JSON name dictionary per table (index = id) and `graph.json`. Adds to `statistics`, per non-train
 * split, the edges touching a node or relation that never occurs in train and the count of such
 * nodes: they are kept (LibKGE convention), and evaluations can report either convention.
 */
export async function writeEdgeGraph(outDir: string, graph: EdgeGraph): Promise<GraphDescriptor> {
  const tableIndex = new Map(graph.tables.map((table, t) => [table.name, t]));
  const sides = graph.relations.map(
    (relation) =>
      [tableIndex.get(relation.lhs) as number, tableIndex.get(relation.rhs) as number] as const,
  );
  const seen = graph.tables.map((table) => new Uint8Array(table.names.length));
  const seenRelation = new Uint8Array(graph.relations.length);
  const statistics: Record<string, number> = { ...graph.statistics };
  const perRelation = graph.relations.map(() => ({}) as Record<string, number>);
  const splits: GraphDescriptor["splits"] = {};
  // Train first: it defines what the other splits count as seen.
  const ordered = [...graph.splits].sort(
    ([a], [b]) => Number(b === "train") - Number(a === "train"),
  );
  for (const [split, edges] of ordered) {
    const rows = edges.lhs.length;
    const isTrain = split === "train";
    const unseen = graph.tables.map(() => new Set<number>());
    let unseenEdges = 0;
    let unseenRelationEdges = 0;
    for (let i = 0; i < rows; i++) {
      const r = edges.rel[i] as number;
      const [lhsTable, rhsTable] = sides[r] as readonly [number, number];
      const lhs = edges.lhs[i] as number;
      const rhs = edges.rhs[i] as number;
      const counts = perRelation[r] as Record<string, number>;
      counts[split] = (counts[split] ?? 0) + 1;
      if (isTrain) {
        (seen[lhsTable] as Uint8Array)[lhs] = 1;
        (seen[rhsTable] as Uint8Array)[rhs] = 1;
        seenRelation[r] = 1;
        continue;
      }
      const lhsUnseen = !(seen[lhsTable] as Uint8Array)[lhs];
      const rhsUnseen = !(seen[rhsTable] as Uint8Array)[rhs];
      if (lhsUnseen) unseen[lhsTable]?.add(lhs);
      if (rhsUnseen) unseen[rhsTable]?.add(rhs);
      if (lhsUnseen || rhsUnseen) unseenEdges++;
      if (!seenRelation[r]) unseenRelationEdges++;
    }
    if (isTrain) {
      graph.tables.forEach((table, t) => {
        statistics[`train_${table.name}_nodes`] = (seen[t] as Uint8Array).reduce(
          (sum, flag) => sum + flag,
          0,
        );
      });
    } else {
      statistics[`${split}_edges_with_unseen_node`] = unseenEdges;
      statistics[`${split}_unseen_nodes`] = unseen.reduce((sum, set) => sum + set.size, 0);
      statistics[`${split}_edges_with_unseen_relation`] = unseenRelationEdges;
    }
    const path = join("edges", split, "part-00000.parquet");
    mkdirSync(join(outDir, "edges", split), { recursive: true });
    await writeParquetFile(join(outDir, path), edgeTable(edges.lhs, edges.rel, edges.rhs), {
      compression: "zstd",
    });
    splits[split] = { rows, files: [{ path, rows }] };
  }
  for (const table of graph.tables)
    writeFileAtomic(join(outDir, table.dictionaryFile), `${JSON.stringify(table.names)}\n`);
  writeFileAtomic(
    join(outDir, "relations.json"),
    `${JSON.stringify(graph.relations.map((relation) => relation.name))}\n`,
  );
  const descriptor: GraphDescriptor = {
    format: "tml-graph/1",
    source: graph.source,
    tables: graph.tables.map((table) => ({
      name: table.name,
      num_embeddings: table.names.length,
      dictionary_file: table.dictionaryFile,
    })),
    relations: graph.relations.map((relation, r) => ({
      ...relation,
      edges: perRelation[r] as Record<string, number>,
    })),
    splits,
    statistics,
  };
  writeGraphDescriptor(outDir, descriptor);
  return descriptor;
}
