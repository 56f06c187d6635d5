import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { DataError, NotFoundError, UsageError } from "@tml/core";
import { convertKnowledgeGraph, type GraphDescriptor } from "@tml/data-io";
import { type EdgeSet, readEdges } from "@tml/twhin";

/** The split files of a knowledge-graph directory; `valid.txt` may be absent. */
const SPLIT_FILES = { train: "train.txt", valid: "valid.txt", test: "test.txt" } as const;

/** Counts `trainer kg` reports about its data (results.json `counts`). */
export interface KnowledgeGraphCounts {
  entities: number;
  relations: number;
  /** Triples per split, duplicates included. */
  triples: Record<string, number>;
  /** Triples of a split whose head or tail never occurs in train (kept and evaluated). */
  triples_with_unseen_entity: Record<string, number>;
  /** Triples of a split whose relation never occurs in train (kept and evaluated). */
  triples_with_unseen_relation: Record<string, number>;
  /** Extra copies of a triple within a split (kept: trained or evaluated once per copy). */
  duplicate_triples: Record<string, number>;
  /** Valid / test triples that are also train triples (kept; filtered evaluation ranks them as any other). */
  triples_also_in_train: Record<string, number>;
}

/** A knowledge graph converted to TwHIN edges inside a run directory. */
export interface KnowledgeGraphData {
  /** The converted graph's folder (`graph.json`, `entities.json`, `edges/<split>/`). */
  dir: string;
  descriptor: GraphDescriptor;
  /** Parquet glob of each present split. */
  roots: { train: string; valid: string | undefined; test: string };
  counts: KnowledgeGraphCounts;
}

function checkSplits(dataDir: string): { valid: boolean } {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new NotFoundError(
      `--data ${dataDir} is not a directory; pass a folder holding train.txt, valid.txt and test.txt.`,
      { details: { path: dataDir } },
    );
  }
  for (const split of ["train", "test"] as const) {
    const file = join(dataDir, SPLIT_FILES[split]);
    if (!existsSync(file)) {
      throw new DataError(
        `${file} is missing: a knowledge-graph directory needs train.txt and test.txt (head<TAB>relation<TAB>tail lines; valid.txt optional).`,
        { details: { file } },
      );
    }
  }
  return { valid: existsSync(join(dataDir, SPLIT_FILES.valid)) };
}

const key = (edges: EdgeSet, i: number) => `${edges.lhs[i]} ${edges.rel[i]} ${edges.rhs[i]}`;

function duplicatesWithin(edges: EdgeSet): number {
  const seen = new Set<string>();
  for (let i = 0; i < edges.size; i++) seen.add(key(edges, i));
  return edges.size - seen.size;
}

function alsoIn(edges: EdgeSet, train: Set<string>): number {
  let count = 0;
  for (let i = 0; i < edges.size; i++) if (train.has(key(edges, i))) count++;
  return count;
}

/**
 * Converts `dataDir`'s `train.txt` / `valid.txt` / `test.txt` (head TAB relation TAB tail) into
 * TwHIN edges (`convertKnowledgeGraph`: ids in code-unit order of the names) in a temporary folder
 * beside the run directory `out`, counts what `trainer kg` reports, and returns it; edge globs
 * point into `graphDir`, where `commitKnowledgeGraph` moves the folder. Nothing is written in `out`. DataError for a missing train/test split, an empty one
 * or a malformed line (file and line named); NotFoundError for a missing directory.
 */
export async function convertKnowledgeGraphRun(
  dataDir: string,
  out: string,
  graphDir: string,
): Promise<KnowledgeGraphData> {
  const { valid } = checkSplits(dataDir);
  const splits = {
    train: SPLIT_FILES.train,
    ...(valid ? { valid: SPLIT_FILES.valid } : {}),
    test: SPLIT_FILES.test,
  };
  mkdirSync(dirname(out), { recursive: true });
  const staging = mkdtempSync(join(dirname(out), `.${basename(out)}-graph-`));
  try {
    const descriptor = await convertKnowledgeGraph(dataDir, staging, { splits });
    for (const split of ["train", "test"] as const) {
      if ((descriptor.splits[split]?.rows ?? 0) === 0) {
        throw new DataError(`${join(dataDir, SPLIT_FILES[split])} holds no triples.`, {
          details: { file: join(dataDir, SPLIT_FILES[split]) },
        });
      }
    }
    const root = (split: string) => join(graphDir, "edges", split, "*.parquet");
    const edges = new Map<string, EdgeSet>();
    for (const split of Object.keys(splits))
      edges.set(split, await readEdges(join(staging, "edges", split, "*.parquet")));
    const train = edges.get("train")!;
    const trainKeys = new Set<string>();
    for (let i = 0; i < train.size; i++) trainKeys.add(key(train, i));
    const statistics = descriptor.statistics ?? {};
    const held = Object.keys(splits).filter((split) => split !== "train");
    const perSplit = (f: (split: string) => number) =>
      Object.fromEntries(held.map((split) => [split, f(split)]));
    const counts: KnowledgeGraphCounts = {
      entities: descriptor.tables[0]!.num_embeddings,
      relations: descriptor.relations.length,
      triples: Object.fromEntries([...edges].map(([split, set]) => [split, set.size])),
      triples_with_unseen_entity: perSplit(
        (split) => statistics[`${split}_edges_with_unseen_node`] ?? 0,
      ),
      triples_with_unseen_relation: perSplit(
        (split) => statistics[`${split}_edges_with_unseen_relation`] ?? 0,
      ),
      duplicate_triples: Object.fromEntries(
        [...edges].map(([split, set]) => [split, duplicatesWithin(set)]),
      ),
      triples_also_in_train: perSplit((split) => alsoIn(edges.get(split)!, trainKeys)),
    };
    return {
      dir: staging,
      descriptor,
      roots: { train: root("train"), valid: valid ? root("valid") : undefined, test: root("test") },
      counts,
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Throws UsageError unless the converted graph's entity and relation dictionaries equal those of
 * the run in `graphDir` (a resumed run on other data would silently re-map ids).
 */
export function assertSameGraph(data: KnowledgeGraphData, graphDir: string): void {
  for (const file of ["entities.json", "relations.json"]) {
    const runFile = join(graphDir, file);
    if (!existsSync(runFile)) continue;
    if (readFileSync(runFile, "utf8") !== readFileSync(join(data.dir, file), "utf8")) {
      throw new UsageError(
        `--data's ${file} differs from the run's (${runFile}): resume with the data the run was trained on, or start a new --out.`,
        { details: { path: graphDir } },
      );
    }
  }
}

/** Moves the converted graph to `graphDir`, replacing an earlier conversion. */
export function commitKnowledgeGraph(data: KnowledgeGraphData, graphDir: string): void {
  rmSync(graphDir, { recursive: true, force: true });
  renameSync(data.dir, graphDir);
  data.dir = graphDir;
}

/** Removes the staged conversion (after a failure before `commitKnowledgeGraph`). */
export function discardKnowledgeGraph(data: KnowledgeGraphData): void {
  rmSync(data.dir, { recursive: true, force: true });
}
