import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathInside, Rng } from "@tml/core";
import * as arrow from "apache-arrow";
import { writeParquetFile } from "../parquet/index.js";
import { edgeTable, type GraphDescriptor, writeGraphDescriptor } from "./graph-descriptor.js";
import { GraphSampler } from "./graph-sampler.js";
import type { GraphSpec } from "./graph-spec.js";

/** Options of `writeGraph`. */
export interface WriteGraphOptions {
  seed: number;
  /** Edges per Parquet shard; also the most edges held in memory. Default 1,000,000. */
  shardEdges?: number;
  /** Held-out test edges per relation, as a fraction of its training edges. Default 0.01. */
  testFraction?: number;
  /** Called after each shard with the edges written so far. */
  onProgress?: (written: number, total: number) => void;
}

/**
 * Generates a graph (`GraphSampler`) into `outDir`: edge shards `edges/<split>/part-NNNNN.parquet`
 * (int64 `lhs`, `rel`, `rhs`), one `communities/<table>.parquet` per table (int32 column
 * `community`, row i = node i) and `graph.json` (`GraphDescriptor`). The test split holds fresh
 * edges drawn from the same model. Every file is written atomically; memory stays at one shard.
 */
export async function writeGraph(
  outDir: string,
  spec: GraphSpec,
  options: WriteGraphOptions,
): Promise<GraphDescriptor> {
  const root = new Rng(options.seed);
  const sampler = new GraphSampler(spec, root.fork("layout"));
  const shardEdges = options.shardEdges ?? 1_000_000;
  const testFraction = options.testFraction ?? 0.01;
  const trainCounts = spec.relations.map((relation) => relation.edges);
  const testCounts = trainCounts.map((edges) => Math.round(edges * testFraction));
  const total = [...trainCounts, ...testCounts].reduce((a, b) => a + b, 0);
  let written = 0;
  const splits: GraphDescriptor["splits"] = {};
  for (const [split, counts] of [
    ["train", trainCounts],
    ["test", testCounts],
  ] as const) {
    const rng = root.fork(split);
    const remaining = Float64Array.from(counts);
    const rows = counts.reduce((a, b) => a + b, 0);
    const files: { path: string; rows: number }[] = [];
    mkdirSync(join(outDir, "edges", split), { recursive: true });
    for (let start = 0; start < rows; start += shardEdges) {
      const count = Math.min(shardEdges, rows - start);
      const batch = sampler.sample(rng, count, remaining);
      const path = join("edges", split, `part-${String(files.length).padStart(5, "0")}.parquet`);
      await writeParquetFile(join(outDir, path), edgeTable(batch.lhs, batch.rel, batch.rhs), {
        compression: "zstd",
      });
      files.push({ path, rows: count });
      written += count;
      options.onProgress?.(written, total);
    }
    splits[split] = { rows, files };
  }
  mkdirSync(join(outDir, "communities"), { recursive: true });
  const tables: GraphDescriptor["tables"] = [];
  for (const table of spec.tables) {
    const layout = sampler.layouts.get(table.name);
    const community = new Int32Array(table.count);
    for (let id = 0; id < table.count; id++) community[id] = layout?.communityOf(id) ?? 0;
    const path = join("communities", `${table.name}.parquet`);
    await writeParquetFile(
      pathInside(outDir, path),
      new arrow.Table({ community: arrow.makeVector(community) }),
      { compression: "zstd" },
    );
    tables.push({ name: table.name, num_embeddings: table.count, communities_file: path });
  }
  const descriptor: GraphDescriptor = {
    format: "tml-graph/1",
    source: {
      generator: "@tml/data-io writeGraph",
      seed: options.seed,
      test_fraction: testFraction,
    },
    tables,
    relations: spec.relations.map((relation, r) => ({
      name: relation.name,
      lhs: relation.lhs,
      rhs: relation.rhs,
      edges: { train: trainCounts[r] as number, test: testCounts[r] as number },
    })),
    splits,
    communities: {
      count: spec.communities,
      in_community_rate: Object.fromEntries(
        spec.relations.map((relation) => [
          relation.name,
          relation.inCommunityRate ?? spec.inCommunityRate ?? 0.8,
        ]),
      ),
      degree_exponent: spec.degreeExponent ?? 3,
    },
  };
  writeGraphDescriptor(outDir, descriptor);
  return descriptor;
}
