import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DataError, NotFoundError } from "@tml/core";
import { type Column, iterateParquetBatches } from "@tml/data-io";

/** Edges as three parallel int32 columns (`lhs`, `rel`, `rhs`), `size` rows. */
export interface EdgeSet {
  lhs: Int32Array;
  rel: Int32Array;
  rhs: Int32Array;
  size: number;
  /** Where the edges were read, in order (set by `readEdges`): error messages name file and row. */
  sources?: EdgeSource[];
}

/** Edges from `start` on (up to the next source) are rows `firstRow`, … of `file`. */
export interface EdgeSource {
  file: string;
  start: number;
  firstRow: number;
}

/** An empty edge set with room for `capacity` edges. */
export function allocateEdges(capacity: number): EdgeSet {
  return {
    lhs: new Int32Array(capacity),
    rel: new Int32Array(capacity),
    rhs: new Int32Array(capacity),
    size: 0,
  };
}

/** Concatenation of edge sets (their sources too). */
export function concatEdges(sets: EdgeSet[]): EdgeSet {
  const out = allocateEdges(sets.reduce((n, s) => n + s.size, 0));
  const sources: EdgeSource[] = [];
  for (const set of sets) {
    for (const source of set.sources ?? [])
      sources.push({ ...source, start: source.start + out.size });
    out.lhs.set(set.lhs.subarray(0, set.size), out.size);
    out.rel.set(set.rel.subarray(0, set.size), out.size);
    out.rhs.set(set.rhs.subarray(0, set.size), out.size);
    out.size += set.size;
  }
  if (sources.length > 0) out.sources = sources;
  return out;
}

/** Files matching a glob whose wildcards (`*`, `?`) are in the last path component, sorted. */
export function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) {
    try {
      if (statSync(pattern).isDirectory()) return expandGlob(join(pattern, "*.parquet"));
    } catch {
      throw new NotFoundError(`Edge data ${pattern} does not exist; check data_root.`, {
        details: { file: pattern },
      });
    }
    return [pattern];
  }
  const dir = dirname(pattern);
  const escaped = basename(pattern).replace(/[.+^${}()|[\]\\]/g, "\\$&");
  const regex = new RegExp(`^${escaped.replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new NotFoundError(`No directory ${dir} for data_root ${pattern}.`, {
      details: { file: pattern },
    });
  }
  const files = names
    .filter((n) => regex.test(n))
    .sort()
    .map((n) => join(dir, n));
  if (files.length === 0)
    throw new NotFoundError(`No files match data_root ${pattern}.`, { details: { file: pattern } });
  return files;
}

function toInt32(
  column: Column | undefined,
  name: string,
  file: string,
  out: Int32Array,
  firstRow: number,
  n: number,
): void {
  if (column?.rowLength !== 1 || (column.dtype !== "int32" && column.dtype !== "int64")) {
    throw new DataError(
      `${file}: edge column "${name}" must be an int32/int64 scalar column (lhs, rel, rhs).`,
      {
        details: { file, column: name },
      },
    );
  }
  const values = column.values;
  for (let i = 0; i < n; i++) {
    const value = Number(values[i]!);
    if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
      throw new DataError(
        `${file} row ${firstRow + i}: column "${name}" holds ${value}; ids must be in [0, 2^31).`,
        { details: { file, row: firstRow + i, column: name, value } },
      );
    }
    out[i] = value;
  }
}

/** Options of `readEdges`. */
export interface ReadEdgesOptions {
  /** Edges to skip first (over the files in sorted order). */
  offset?: number;
  /** Edges to read at most. */
  limit?: number;
}

/**
 * Reads Parquet edge files (int columns `lhs`, `rel`, `rhs`) matching a glob into memory, with
 * their sources (check them against a model with `checkEdges`).
 */
export async function readEdges(
  dataRoot: string,
  options: ReadEdgesOptions = {},
): Promise<EdgeSet> {
  const parts: EdgeSet[] = [];
  let skip = options.offset ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  for (const file of expandGlob(dataRoot)) {
    let row = 0;
    for await (const batch of iterateParquetBatches(file, { columns: ["lhs", "rel", "rhs"] })) {
      if (left <= 0) break;
      const from = Math.min(skip, batch.numRows);
      skip -= from;
      const n = Math.min(batch.numRows - from, left);
      const batchRow = row;
      row += batch.numRows;
      if (n <= 0) continue;
      const part = allocateEdges(batch.numRows);
      toInt32(batch.columns["lhs"], "lhs", file, part.lhs, batchRow, batch.numRows);
      toInt32(batch.columns["rel"], "rel", file, part.rel, batchRow, batch.numRows);
      toInt32(batch.columns["rhs"], "rhs", file, part.rhs, batchRow, batch.numRows);
      parts.push({
        lhs: part.lhs.subarray(from),
        rel: part.rel.subarray(from),
        rhs: part.rhs.subarray(from),
        size: n,
        sources: [{ file, start: 0, firstRow: batchRow + from }],
      });
      left -= n;
    }
  }
  return concatEdges(parts);
}
