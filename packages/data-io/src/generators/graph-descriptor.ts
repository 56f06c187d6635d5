import { writeFileAtomic } from "@tml/core";
import * as arrow from "apache-arrow";
import { lowWords } from "./ranker-chunk.js";

/**
 * `graph.json`: what a folder of TwHIN edge Parquet files holds. Written by the graph generator and
 * the knowledge-graph converter; paths are relative to the folder. Edge files have int64 columns
 * `lhs`, `rel`, `rhs` (as the original's `projects/twhin/data/edges.py` reads); `rel` indexes
 * `relations`, and `lhs`/`rhs` are row numbers in the relation's lhs/rhs table.
 */
export interface GraphDescriptor {
  format: "tml-graph/1";
  /** How the folder was made (generator options or converter inputs). */
  source: Record<string, unknown>;
  tables: {
    name: string;
    num_embeddings: number;
    communities_file?: string;
    dictionary_file?: string;
  }[];
  relations: { name: string; lhs: string; rhs: string; edges: Record<string, number> }[];
  /** Edge files per split (`train`, `valid`, `test`). */
  splits: Record<string, { rows: number; files: { path: string; rows: number }[] }>;
  /** Planted community structure (generated graphs only). */
  communities?: {
    count: number;
    in_community_rate: Record<string, number>;
    degree_exponent: number;
  };
  /** Converter statistics (e.g. test triples whose entities never occur in train). */
  statistics?: Record<string, number>;
}

/** Writes `graph.json` into `dir` atomically. */
export function writeGraphDescriptor(dir: string, descriptor: GraphDescriptor): void {
  writeFileAtomic(`${dir}/graph.json`, `${JSON.stringify(descriptor, null, 2)}\n`);
}

/** An Arrow table with int64 columns `lhs`, `rel`, `rhs` from the first `rows` entries of each array. */
export function edgeTable(
  lhs: ArrayLike<number>,
  rel: ArrayLike<number>,
  rhs: ArrayLike<number>,
  rows = lhs.length,
): arrow.Table {
  const column = (values: ArrayLike<number>) => {
    const out = new BigInt64Array(rows);
    const words = lowWords(out);
    for (let i = 0; i < rows; i++) {
      const value = values[i] as number;
      // Ids below 2^32 only need their low word; larger ones take the slow BigInt path.
      if (value >= 0 && value < 2 ** 32) words[2 * i] = value;
      else out[i] = BigInt(value);
    }
    return arrow.makeVector(out);
  };
  return new arrow.Table({ lhs: column(lhs), rel: column(rel), rhs: column(rhs) });
}
