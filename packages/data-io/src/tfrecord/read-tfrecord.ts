import type { ColumnBatch } from "../arrow/column-batch.js";
import { type ParseExamplesOptions, parseExamples } from "./parse-examples.js";
import { iterateTfRecords, type TfRecordReadOptions } from "./tfrecord-reader.js";

/** Options of `iterateTfRecordBatches`. */
export interface TfRecordBatchOptions
  extends TfRecordReadOptions,
    Omit<ParseExamplesOptions, "file" | "firstRecord"> {
  /** Records per batch (default 1024); the last batch may be shorter. */
  batchRows?: number;
}

/**
 * Streams a TFRecord file of `tf.train.Example`s as typed-array column batches parsed by a segdense
 * schema (see `parseExamples`), `batchRows` records at a time.
 */
export async function* iterateTfRecordBatches(
  path: string,
  options: TfRecordBatchOptions,
): AsyncGenerator<ColumnBatch> {
  const batchRows = options.batchRows ?? 1024;
  let records: Uint8Array[] = [];
  let firstRecord = 0;
  for await (const record of iterateTfRecords(path, options)) {
    records.push(record);
    if (records.length === batchRows) {
      yield parseExamples(records, { ...options, file: path, firstRecord });
      firstRecord += records.length;
      records = [];
    }
  }
  if (records.length > 0) yield parseExamples(records, { ...options, file: path, firstRecord });
}
