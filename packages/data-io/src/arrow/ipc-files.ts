import { DataError, TmlError } from "@tml/core";
import * as arrow from "apache-arrow";
import type { ColumnBatch, ColumnSpec } from "./column-batch.js";
import { checkArrowIpcInWorker } from "./ipc-guard.js";
import { openInput, streamFileAtomic } from "./local-files.js";
import { recordBatchToColumns } from "./to-columns.js";

/** Arrow IPC layouts: "file" (random access, `ARROW1` magic) or "stream" (sequential). */
export type ArrowIpcFormat = "file" | "stream";

/** Options of `iterateArrowBatches`. */
export interface ArrowBatchOptions {
  /** Skip the sandboxed pre-parse (see `checkArrowIpcInWorker`) for files you produced yourself. */
  trusted?: boolean;
  /** Columns to keep (default: all); a name the file lacks is a DataError. */
  columns?: string[];
  /** Expected dtype / row length / null default per column. */
  specs?: Record<string, ColumnSpec>;
}

/** Writes a table as an Arrow IPC file or stream, atomically (temporary file, then rename). */
export async function writeArrowFile(
  path: string,
  table: arrow.Table,
  options: { format?: ArrowIpcFormat } = {},
): Promise<void> {
  const bytes = arrow.tableToIPC(table, options.format ?? "file");
  await streamFileAtomic(path, async (handle) => {
    await handle.writeFile(bytes);
  });
}

/** Reads a whole Arrow IPC file or stream (the layout is detected) into a table. */
export async function readArrowFile(
  path: string,
  options: { trusted?: boolean } = {},
): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  let schema: arrow.Schema | undefined;
  await readBatches(path, options.trusted ?? false, (batch, readerSchema) => {
    schema = readerSchema;
    batches.push(batch);
  });
  if (schema === undefined) throw emptyError(path);
  return batches.length === 0 ? new arrow.Table(schema) : new arrow.Table(batches);
}

/**
 * Streams an Arrow IPC file or stream as typed-array column batches, one record batch at a time
 * (random access files are read batch by batch from disk).
 */
export async function* iterateArrowBatches(
  path: string,
  options: ArrowBatchOptions = {},
): AsyncGenerator<ColumnBatch> {
  const handle = await openInput(path, "Arrow IPC file");
  let part = 0;
  let firstRow = 0;
  try {
    if (!options.trusted) await checkArrowIpcInWorker(path, (await handle.stat()).size);
    const reader = await guard(path, () => arrow.RecordBatchReader.from(handle));
    await guard(path, () => reader.open());
    const names = reader.schema?.fields.map((field) => field.name) ?? [];
    for (const column of options.columns ?? []) {
      if (!names.includes(column)) {
        throw new DataError(
          `Column "${column}" is missing in ${path}; the file has: ${names.join(", ")}.`,
          {
            details: { file: path, column },
          },
        );
      }
    }
    const iterator = reader[Symbol.asyncIterator]();
    for (;;) {
      const next = await guard(path, () => iterator.next());
      if (next.done) break;
      const batch = options.columns
        ? next.value.selectAt(options.columns.map((name) => names.indexOf(name)))
        : next.value;
      const columns = guard(path, () =>
        recordBatchToColumns(batch, {
          specs: options.specs,
          source: { file: path, part, firstRow },
        }),
      );
      yield await columns;
      part++;
      firstRow += batch.numRows;
    }
  } finally {
    await handle.close();
  }
}

async function readBatches(
  path: string,
  trusted: boolean,
  visit: (batch: arrow.RecordBatch, schema: arrow.Schema) => void,
): Promise<void> {
  const handle = await openInput(path, "Arrow IPC file");
  try {
    if (!trusted) await checkArrowIpcInWorker(path, (await handle.stat()).size);
    const reader = await guard(path, () => arrow.RecordBatchReader.from(handle));
    await guard(path, () => reader.open());
    if (reader.schema === undefined || reader.schema === null) throw emptyError(path);
    const iterator = reader[Symbol.asyncIterator]();
    for (;;) {
      const next = await guard(path, () => iterator.next());
      if (next.done) break;
      visit(next.value, reader.schema);
    }
  } finally {
    await handle.close();
  }
}

function emptyError(path: string): DataError {
  return new DataError(`${path} holds no Arrow schema: it is empty or not Arrow IPC.`, {
    details: { file: path },
  });
}

// apache-arrow throws plain errors (or reads garbage lengths) on corrupt input: wrap them.
async function guard<T>(path: string, action: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (TmlError.isInstance(error)) throw error;
    throw new DataError(
      `${path} is not a valid Arrow IPC file or stream: ${(error as Error).message ?? error}.`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
}
