import type { Rng } from "@tml/core";
import type { ColumnBatch } from "../arrow/column-batch.js";
import { concatBatches } from "../arrow/concat-batches.js";
import { sliceRows } from "../arrow/slice-rows.js";
import { RowStore } from "./row-store.js";

/** How rows become batches. */
export interface BatchingOptions {
  batchSize: number;
  /** Drop a final batch shorter than `batchSize` (default true). */
  dropRemainder: boolean;
}

/**
 * Cuts a stream of row chunks into batches of `batchSize` rows in order. A batch inside one chunk
 * is a view (no copy); one that spans chunks is copied.
 */
export async function* orderedBatches(
  chunks: AsyncIterable<ColumnBatch>,
  options: BatchingOptions,
): AsyncGenerator<ColumnBatch> {
  let parts: ColumnBatch[] = [];
  let rows = 0;
  for await (const chunk of chunks) {
    let start = 0;
    while (start < chunk.numRows) {
      const take = Math.min(options.batchSize - rows, chunk.numRows - start);
      parts.push(
        start === 0 && take === chunk.numRows ? chunk : sliceRows(chunk, start, start + take),
      );
      rows += take;
      start += take;
      if (rows === options.batchSize) {
        yield concatBatches(parts);
        parts = [];
        rows = 0;
      }
    }
  }
  if (rows > 0 && !options.dropRemainder) yield concatBatches(parts);
}

/**
 * Shuffles rows through a buffer of `bufferRows` rows, as tf.data's `shuffle` does: the buffer
 * fills first; then each output row is a uniformly chosen buffer row, replaced by the next input
 * row; at the end the buffer drains in random order. Memory: the buffer plus one output batch.
 */
export async function* shuffledBatches(
  chunks: AsyncIterable<ColumnBatch>,
  options: BatchingOptions & { bufferRows: number; rng: Rng },
): AsyncGenerator<ColumnBatch> {
  const { batchSize, bufferRows, rng } = options;
  let buffer: RowStore | undefined;
  let output: RowStore | undefined;
  let template: ColumnBatch | undefined;
  let size = 0;
  let filled = 0;
  // Null counts of the chunks read so far, handed to the next batch out (sums stay exact).
  const nulls = new Map<string, number>();
  const emit = (rows: number): ColumnBatch => {
    const batch = output!.toBatch(rows);
    for (const [name, count] of nulls) batch.columns[name]!.nullCount = count;
    nulls.clear();
    return batch;
  };
  for await (const chunk of chunks) {
    if (chunk.numRows === 0) continue;
    for (const [name, column] of Object.entries(chunk.columns)) {
      if (column.nullCount > 0) nulls.set(name, (nulls.get(name) ?? 0) + column.nullCount);
    }
    template ??= chunk;
    buffer ??= new RowStore(bufferRows, chunk);
    output ??= new RowStore(batchSize, chunk);
    buffer.bind(chunk);
    for (let row = 0; row < chunk.numRows; row++) {
      if (size < bufferRows) {
        buffer.setFromBatch(size++, row, true);
        continue;
      }
      const pick = rng.int(bufferRows);
      output.setFromStore(filled++, buffer, pick);
      buffer.setFromBatch(pick, row, true);
      if (filled === batchSize) {
        yield emit(filled);
        output = new RowStore(batchSize, template);
        filled = 0;
      }
    }
  }
  if (buffer === undefined || output === undefined || template === undefined) return;
  while (size > 0) {
    const pick = rng.int(size);
    output.setFromStore(filled++, buffer, pick);
    buffer.setFromStore(pick, buffer, --size);
    if (filled === batchSize) {
      yield emit(filled);
      output = new RowStore(batchSize, template);
      filled = 0;
    }
  }
  if (filled > 0 && !options.dropRemainder) yield emit(filled);
}
