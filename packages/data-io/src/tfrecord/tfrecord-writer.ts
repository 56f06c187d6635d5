import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { maskedCrc32c } from "@tml/core";
import { streamFileAtomic } from "../arrow/local-files.js";

/** Options of `writeTfRecordFile`. */
export interface TfRecordWriteOptions {
  /** "gzip" writes a GZIP TFRecord file as the original's data is (default "none"). */
  compression?: "gzip" | "none";
}

/** Frames one record: length, masked CRC of the length, payload, masked CRC of the payload. */
export function frameTfRecord(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(12 + payload.length + 4);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, 0, true);
  view.setUint32(8, maskedCrc32c(frame, 0, 8), true);
  frame.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return frame;
}

/**
 * Writes records (serialized `tf.train.Example`s or any bytes) to a TFRecord file atomically: the
 * file appears complete at `path` or not at all. Returns the number of records written.
 */
export async function writeTfRecordFile(
  path: string,
  records: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: TfRecordWriteOptions = {},
): Promise<number> {
  let count = 0;
  // Frames coalesced into ~1 MiB chunks: one write (or gzip call) per chunk, not per record.
  async function* frames(): AsyncGenerator<Uint8Array> {
    let parts: Uint8Array[] = [];
    let size = 0;
    for await (const record of records) {
      count++;
      const frame = frameTfRecord(record);
      parts.push(frame);
      size += frame.length;
      if (size >= 1 << 20) {
        yield Buffer.concat(parts, size);
        parts = [];
        size = 0;
      }
    }
    if (size > 0) yield Buffer.concat(parts, size);
  }
  await streamFileAtomic(path, async (handle) => {
    const source = Readable.from(frames(), { objectMode: false });
    const output = options.compression === "gzip" ? source.pipe(createGzip()) : source;
    if (output !== source) source.on("error", (error) => output.destroy(error));
    for await (const chunk of output as AsyncIterable<Uint8Array>) await handle.write(chunk);
  });
  return count;
}
