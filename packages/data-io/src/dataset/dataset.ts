import { ConfigError, DataError, Rng, TmlError } from "@tml/core";
import type { ColumnBatch } from "../arrow/column-batch.js";
import { sliceRows } from "../arrow/slice-rows.js";
import { readParquetSchema } from "../parquet/read-parquet.js";
import { orderedBatches, shuffledBatches } from "./batching.js";
import { cheapRowCount, type FileReadOptions, fileChunks, fileFormat } from "./file-chunks.js";
import { checkFiniteColumns } from "./finite-columns.js";
import { prefetch } from "./prefetch.js";
import { resolveDatasetFiles } from "./resolve-files.js";

/** Options of `Dataset.open`. */
export interface DatasetOptions extends FileReadOptions {
  /** A glob, a directory, a file, or a list of them (see `resolveDatasetFiles`). */
  files: string | readonly string[];
  /** Rows per batch. */
  batchSize: number;
  /** Drop each epoch's last, short batch (default true). */
  dropRemainder?: boolean;
  /** Seed of the file order and the shuffle buffer (default 0). */
  seed?: number;
  /** Shuffle the file order at every epoch (default true). */
  shuffleFiles?: boolean;
  /** Rows in the shuffle buffer; 0 keeps file order (default 0). */
  shuffleBuffer?: number;
  /** Passes over the data (default 1; `Infinity` repeats forever). */
  epochs?: number;
  /** Rows skipped at the start of every epoch's row stream (default 0). */
  offset?: number;
  /** Rows per epoch at most, after `offset` (default: all). */
  limit?: number;
  /** Batches to skip, as if read and thrown away (resume from a checkpoint). */
  skipBatches?: number;
  /** Read the next chunk (row group) while the consumer works on the current batch (default true). */
  prefetch?: boolean;
  /** Float columns whose values must be finite, checked as read (DataError naming file and row). */
  finiteColumns?: readonly string[];
  /**
   * Called when reading a file raises a DataError (truncated, corrupt, non-finite values): with
   * this option the rest of that file is skipped and reading goes on with the next file (rows the
   * file gave before the error are kept); without it the error ends the stream.
   */
  onSkippedFile?: (file: string, error: Error) => void;
}

/** A batch with its position: epoch and index of the batch since the start (skipped ones counted). */
export interface DatasetBatch extends ColumnBatch {
  epoch: number;
  index: number;
}

type Resolved = Required<
  Omit<DatasetOptions, keyof FileReadOptions | "files" | "limit" | "onSkippedFile">
> & {
  limit: number;
  onSkippedFile: DatasetOptions["onSkippedFile"];
};

/**
 * A dataset of Parquet, TFRecord or Arrow files read as typed-array batches: a seeded file order per
 * epoch, a shuffle buffer, drop-remainder batching, epochs, offset/limit, read-ahead of one chunk,
 * and deterministic skip-ahead. The same seed gives the same batches. Memory stays near two chunks
 * (row groups) plus the shuffle buffer plus one batch, whatever the dataset's size.
 */
export class Dataset {
  private readonly rowCounts = new Map<string, Promise<number | undefined>>();

  private constructor(
    /** The resolved files, sorted. */
    readonly files: readonly string[],
    private readonly read: FileReadOptions,
    private readonly settings: Resolved,
  ) {}

  /** Resolves the files (NotFoundError when none match), checks the options and the first file's columns. */
  static async open(options: DatasetOptions): Promise<Dataset> {
    const settings = checkOptions(options);
    const files = await resolveDatasetFiles(options.files);
    const read: FileReadOptions = {
      format: options.format,
      columns: options.columns,
      specs: options.specs,
      tfrecord: options.tfrecord,
      chunkRows: options.chunkRows,
    };
    const formats = new Set(files.map((file) => fileFormat(file, options.format)));
    if (formats.has("tfrecord") && options.tfrecord === undefined) {
      throw new ConfigError(
        "The dataset has TFRecord files: give tfrecord.schema (segdense) to parse them.",
        {
          details: { key: "tfrecord" },
        },
      );
    }
    if (fileFormat(files[0]!, options.format) === "parquet" && options.columns !== undefined) {
      const names = new Set(
        (await readFirstParquetSchema(files, options.onSkippedFile)).fields.map(
          (field) => field.name,
        ),
      );
      const missing = options.columns.filter((column) => !names.has(column));
      if (missing.length > 0) {
        throw new DataError(
          `Columns ${missing.join(", ")} are not in ${files[0]}; it has ${[...names].join(", ")}.`,
          {
            details: { columns: missing, file: files[0] },
          },
        );
      }
    }
    return new Dataset(files, read, settings);
  }

  /** The batches, from `skipBatches` on (default: the dataset's own `skipBatches`). */
  async *batches(options: { skipBatches?: number } = {}): AsyncGenerator<DatasetBatch> {
    const { batchSize, epochs, dropRemainder } = this.settings;
    let skip = options.skipBatches ?? this.settings.skipBatches;
    let index = 0;
    const root = new Rng(this.settings.seed);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const epochRng = root.fork(`epoch:${epoch}`);
      const files = this.settings.shuffleFiles
        ? epochRng.fork("files").shuffle([...this.files])
        : [...this.files];
      const rows = skip > 0 ? await this.rowsPerEpoch() : undefined;
      if (rows !== undefined) {
        const batches = dropRemainder ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
        if (skip >= batches) {
          skip -= batches;
          index += batches;
          if (batches === 0 && epochs === Number.POSITIVE_INFINITY) return;
          continue;
        }
      }
      // With counted rows and no shuffle buffer, skipped batches are skipped rows: none are read.
      const skipRows =
        rows !== undefined && this.settings.shuffleBuffer === 0 ? skip * batchSize : 0;
      let chunks: AsyncIterable<ColumnBatch> = this.epochChunks(files, skipRows);
      if (this.settings.prefetch) chunks = prefetch(chunks);
      const batches =
        this.settings.shuffleBuffer > 0
          ? shuffledBatches(chunks, {
              batchSize,
              dropRemainder,
              bufferRows: this.settings.shuffleBuffer,
              rng: epochRng.fork("rows"),
            })
          : orderedBatches(chunks, { batchSize, dropRemainder });
      if (skipRows > 0) {
        index += skip;
        skip = 0;
      }
      let produced = 0;
      for await (const batch of batches) {
        produced++;
        if (skip > 0) {
          skip--;
          index++;
          continue;
        }
        yield { ...batch, epoch, index: index++ };
      }
      // An empty epoch would repeat forever without producing anything.
      if (produced === 0 && skipRows === 0 && epochs === Number.POSITIVE_INFINITY) return;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<DatasetBatch> {
    return this.batches();
  }

  /** Rows one epoch delivers (after offset and limit) when the files can be counted cheaply (Parquet). */
  async rowsPerEpoch(): Promise<number | undefined> {
    let total = 0;
    for (const file of this.files) {
      const rows = await this.rowCount(file);
      if (rows === undefined) return undefined;
      total += rows;
    }
    return Math.max(0, Math.min(this.settings.limit, total - this.settings.offset));
  }

  // The epoch's rows after offset, then `skipRows` more, capped at `limit` rows in all.
  private async *epochChunks(
    files: readonly string[],
    skipRows: number,
  ): AsyncGenerator<ColumnBatch> {
    let toSkip = this.settings.offset + skipRows;
    let remaining = this.settings.limit - skipRows;
    for (const file of files) {
      if (remaining <= 0) return;
      try {
        // Counted files (Parquet) are skipped by their footers; others are read and dropped.
        const rows = toSkip > 0 ? await this.rowCount(file) : undefined;
        if (rows !== undefined && toSkip >= rows) {
          toSkip -= rows;
          continue;
        }
        const inFile = rows === undefined ? 0 : toSkip;
        if (rows !== undefined) toSkip = 0;
        for await (let chunk of fileChunks(file, this.read, inFile)) {
          if (toSkip >= chunk.numRows) {
            toSkip -= chunk.numRows;
            continue;
          }
          if (toSkip > 0) chunk = sliceRows(chunk, toSkip, chunk.numRows);
          toSkip = 0;
          if (chunk.numRows > remaining) chunk = sliceRows(chunk, 0, remaining);
          remaining -= chunk.numRows;
          checkFiniteColumns(chunk, this.settings.finiteColumns);
          yield chunk;
          if (remaining <= 0) return;
        }
      } catch (error) {
        if (!this.settings.onSkippedFile || !TmlError.isInstance(error, "DATA")) throw error;
        this.settings.onSkippedFile(file, error);
      }
    }
  }

  private rowCount(file: string): Promise<number | undefined> {
    let count = this.rowCounts.get(file);
    if (count === undefined) {
      count = cheapRowCount(file, this.read);
      this.rowCounts.set(file, count);
    }
    return count;
  }
}

function checkOptions(options: DatasetOptions): Resolved {
  const integer = (
    key: string,
    value: number | undefined,
    fallback: number,
    minimum: number,
  ): number => {
    const result = value ?? fallback;
    if (!(Number.isInteger(result) || result === Number.POSITIVE_INFINITY) || result < minimum) {
      throw new ConfigError(`dataset.${key} must be an integer ≥ ${minimum}, got ${value}.`, {
        details: { key },
      });
    }
    return result;
  };
  return {
    batchSize: integer("batchSize", options.batchSize, 0, 1),
    dropRemainder: options.dropRemainder ?? true,
    seed: integer("seed", options.seed, 0, 0),
    shuffleFiles: options.shuffleFiles ?? true,
    shuffleBuffer: integer("shuffleBuffer", options.shuffleBuffer, 0, 0),
    epochs: integer("epochs", options.epochs, 1, 0),
    offset: integer("offset", options.offset, 0, 0),
    limit: integer("limit", options.limit, Number.POSITIVE_INFINITY, 0),
    skipBatches: integer("skipBatches", options.skipBatches, 0, 0),
    prefetch: options.prefetch ?? true,
    finiteColumns: options.finiteColumns ?? [],
    onSkippedFile: options.onSkippedFile,
  };
}

// The schema of the first Parquet file that reads; with `onSkippedFile`, unreadable ones are passed over.
async function readFirstParquetSchema(
  files: readonly string[],
  onSkippedFile: DatasetOptions["onSkippedFile"],
): Promise<Awaited<ReturnType<typeof readParquetSchema>>> {
  for (const file of files.slice(0, -1)) {
    try {
      return await readParquetSchema(file);
    } catch (error) {
      if (!onSkippedFile || !TmlError.isInstance(error, "DATA")) throw error;
    }
  }
  return readParquetSchema(files.at(-1)!);
}
