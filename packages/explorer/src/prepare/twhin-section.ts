import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DataError, loadConfigFile, NotFoundError, pathInside, writeFileAtomic } from "@tml/core";
import { readCommunities } from "@tml/data-io";
import { readEmbeddings, readEntityNames, twhinConfigSchema } from "@tml/twhin";
import type { TwhinManifest, TwhinTable } from "../shared/explorer-manifest.js";
import { pcaProjection } from "../shared/pca-projection.js";

/** Rows of a table the explorer shows at most (the first ones): the page holds them all. */
export const MAX_TABLE_ROWS = 50_000;

/** Where a TwHIN explorer section comes from. */
export interface TwhinSource {
  /** The TwHIN run directory (`config.yaml`, `export/<table>-*.parquet`). */
  root: string;
  /** The generated graph's folder (`graph.json`, `communities/`); default: found above the config's train data. */
  graphDir?: string;
}

/**
 * Reads the run's exported embedding tables, writes each (first `MAX_TABLE_ROWS` rows) as
 * `twhin/<table>.f32` under `explorerDir`, and returns the manifest section with each table's
 * 2-D PCA projection, planted communities (generated graphs) and entity names (dictionaries).
 * A run without exported tables is a NotFoundError.
 */
export async function prepareTwhinSection(
  source: TwhinSource,
  explorerDir: string,
): Promise<TwhinManifest> {
  const exportDir = join(source.root, "export");
  const files = existsSync(exportDir)
    ? readdirSync(exportDir)
        .filter((file) => file.endsWith(".parquet") || file.endsWith(".arrow"))
        .sort()
        .map((file) => join(exportDir, file))
    : [];
  if (files.length === 0) {
    throw new NotFoundError(
      `${source.root} has no exported TwHIN tables (export/*.parquet): let the run finish, which exports them`,
    );
  }
  const config = loadConfigFile(twhinConfigSchema, join(source.root, "config.yaml"));
  const dataRoot = config.train_data.data_root;
  const graphDir = source.graphDir ?? findGraphDir(dataRoot);
  const names = readEntityNames(graphDir ?? dataRoot);
  const communityFiles = graphDir ? communitiesFiles(graphDir) : new Map<string, string>();
  const tables: TwhinTable[] = [];
  const allVectors: Float32Array[] = [];
  for (const [name, embeddings] of await readEmbeddings(files)) {
    const rows = Math.min(embeddings.ids.length, MAX_TABLE_ROWS);
    const { dim } = embeddings;
    // Row i of the file is not necessarily id i: place each vector at its id.
    const vectors = new Float32Array(rows * dim);
    embeddings.ids.forEach((id, index) => {
      if (id < rows)
        vectors.set(embeddings.vectors.subarray(index * dim, (index + 1) * dim), id * dim);
    });
    allVectors.push(vectors);
    const file = `twhin/${name}.f32`;
    writeFileAtomic(pathInside(explorerDir, file), new Uint8Array(vectors.buffer));
    const projection = pcaProjection(vectors, rows, dim);
    const communitiesFile = communityFiles.get(name);
    const tableNames = names.get(name);
    tables.push({
      name,
      rows,
      dim,
      file,
      communities: communitiesFile
        ? Array.from((await readCommunities(communitiesFile)).subarray(0, rows))
        : null,
      names: tableNames ? tableNames.slice(0, rows) : null,
      projection: Array.from(projection.points),
      explainedVariance: projection.explainedVariance,
    });
  }
  return { tables, joint: jointProjection(tables, allVectors) };
}

function jointProjection(
  tables: readonly TwhinTable[],
  vectors: readonly Float32Array[],
): TwhinManifest["joint"] {
  const dim = tables[0]?.dim;
  if (dim === undefined || tables.some((table) => table.dim !== dim)) return null;
  const rows = tables.reduce((sum, table) => sum + table.rows, 0);
  const all = new Float32Array(rows * dim);
  let offset = 0;
  for (const part of vectors) {
    all.set(part, offset);
    offset += part.length;
  }
  const projection = pcaProjection(all, rows, dim);
  return { points: Array.from(projection.points), explainedVariance: projection.explainedVariance };
}

/** The folder of the nearest `graph.json` at or up to three levels above the data root. */
function findGraphDir(dataRoot: string): string | undefined {
  let dir = /[*?]/.test(dataRoot) ? dirname(dataRoot) : dataRoot;
  for (let level = 0; level <= 3; level++, dir = dirname(dir)) {
    if (existsSync(join(dir, "graph.json"))) return dir;
  }
  return undefined;
}

/** Table name → its communities file, from `graph.json`'s `communities_file` entries. */
function communitiesFiles(graphDir: string): Map<string, string> {
  const path = join(graphDir, "graph.json");
  let graph: { tables?: { name?: unknown; communities_file?: unknown }[] };
  try {
    graph = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new DataError(`${path} is not a readable graph descriptor`, { cause });
  }
  const files = new Map<string, string>();
  for (const table of graph.tables ?? []) {
    if (typeof table.name === "string" && typeof table.communities_file === "string")
      files.set(table.name, join(graphDir, table.communities_file));
  }
  return files;
}
