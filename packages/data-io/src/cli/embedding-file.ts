import { DataError } from "@tml/core";
import type { EmbeddingMatrix } from "../generators/ranker-world.js";
import { iterateParquetBatches, readParquetSchema } from "../parquet/index.js";

/**
 * Reads an embedding table from Parquet: one row per node with a float list column (`column`, or
 * the first list column) and, optionally, an integer `id` column giving the row's node id (else the
 * row number is the id). Every row must have the same length; ids must cover 0..rows−1.
 */
export async function readEmbeddingMatrix(path: string, column?: string): Promise<EmbeddingMatrix> {
  const schema = await readParquetSchema(path);
  const name = column ?? schema.fields.find((field) => field.type.children?.length)?.name;
  if (name === undefined)
    throw new DataError(
      `${path} has no list column to read embeddings from; name one with --embedding-column.`,
      { details: { file: path } },
    );
  const hasId = schema.fields.some((field) => field.name === "id");
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  for await (const batch of iterateParquetBatches(path, {
    columns: hasId ? [name, "id"] : [name],
  })) {
    const embedding = batch.columns[name];
    if (!embedding || (embedding.dtype !== "float32" && embedding.dtype !== "float64")) {
      throw new DataError(`Column "${name}" of ${path} must hold float32 or float64 lists.`, {
        details: { file: path, column: name },
      });
    }
    for (let row = 0; row < batch.numRows; row++) {
      const start =
        embedding.rowLength >= 0 ? row * embedding.rowLength : (embedding.offsets?.[row] as number);
      const end =
        embedding.rowLength >= 0
          ? start + embedding.rowLength
          : (embedding.offsets?.[row + 1] as number);
      rows.push(Float32Array.from(embedding.values.subarray(start, end) as ArrayLike<number>));
      ids.push(hasId ? Number(batch.columns.id?.values[row]) : ids.length);
    }
  }
  const dim = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * dim);
  const filled = new Uint8Array(rows.length);
  rows.forEach((vector, i) => {
    const id = ids[i] as number;
    if (vector.length !== dim)
      throw new DataError(
        `${path}: row ${i} of "${name}" has ${vector.length} values, row 0 has ${dim}.`,
        { details: { file: path, column: name } },
      );
    if (!(Number.isInteger(id) && id >= 0 && id < rows.length) || filled[id]) {
      throw new DataError(
        `${path}: id ${id} (row ${i}) is out of range or repeated; ids must be 0..${rows.length - 1} once each.`,
        { details: { file: path, column: "id" } },
      );
    }
    filled[id] = 1;
    values.set(vector, id * dim);
  });
  if (rows.length === 0)
    throw new DataError(`${path} holds no embeddings.`, { details: { file: path } });
  return { rows: rows.length, dim, values };
}
