import { getColumn } from "../arrow/index.js";
import { iterateParquetBatches } from "../parquet/index.js";

/**
 * The `community` column of a generated graph's `communities/<table>.parquet` (written by
 * `writeGraph`; row i = node i).
 */
export async function readCommunities(path: string): Promise<Int32Array> {
  const parts: Int32Array[] = [];
  for await (const batch of iterateParquetBatches(path, { columns: ["community"] }))
    parts.push(Int32Array.from(getColumn(batch, "community", "int32").values as ArrayLike<number>));
  const out = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
