import type { FileHandle } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { DataError, maskedCrc32c, TmlError } from "@tml/core";
import { openInput, readAt } from "../arrow/local-files.js";

/** How a TFRecord file is compressed; "auto" looks for the gzip magic bytes. */
export type TfRecordCompression = "auto" | "gzip" | "none";

/** Options of `iterateTfRecords`. */
export interface TfRecordReadOptions {
  compression?: TfRecordCompression;
  /** Check the masked CRC-32C of every length and payload (default true). */
  verifyCrc?: boolean;
}

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/**
 * Streams the records of a TFRecord file (plain or gzip). Each record is framed as a little-endian
 * uint64 length, the masked CRC-32C of those 8 bytes, the payload and the payload's masked CRC-32C;
 * a CRC mismatch, a truncated record or a broken gzip stream is a DataError naming the file, the
 * record index and the byte offset. Records are fresh copies the caller may keep.
 */
export async function* iterateTfRecords(
  path: string,
  options: TfRecordReadOptions = {},
): AsyncGenerator<Uint8Array> {
  const handle = await openInput(path, "TFRecord file");
  const verify = options.verifyCrc ?? true;
  let pending = new Uint8Array(1 << 16);
  let start = 0;
  let end = 0;
  let record = 0;
  let offset = 0; // uncompressed offset of pending[start]
  try {
    const gzip = await isGzip(handle, options.compression ?? "auto");
    const fileStream = handle.createReadStream({ start: 0, autoClose: false });
    const stream = gzip ? fileStream.pipe(createGunzip()) : fileStream;
    if (gzip) fileStream.on("error", (error) => stream.destroy(error));
    try {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        if (end + chunk.length > pending.length) {
          const live = end - start;
          const needed = live + chunk.length;
          if (needed > pending.length) {
            const grown = new Uint8Array(Math.max(needed, pending.length * 2));
            grown.set(pending.subarray(start, end), 0);
            pending = grown;
          } else {
            pending.copyWithin(0, start, end);
          }
          start = 0;
          end = live;
        }
        pending.set(chunk, end);
        end += chunk.length;
        for (;;) {
          const frame = nextFrame(pending, start, end, { path, record, offset, verify });
          if (frame === undefined) break;
          yield frame.payload;
          offset += frame.size;
          start += frame.size;
          record++;
        }
      }
    } catch (error) {
      if (TmlError.isInstance(error)) throw error;
      throw new DataError(
        `${path}: cannot read record ${record} (after byte ${offset}): ${(error as Error).message}. The file is corrupt or truncated.`,
        { cause: error, details: { file: path, record } },
      );
    } finally {
      stream.destroy();
      fileStream.destroy();
    }
    if (end > start) {
      throw new DataError(
        `${path}: record ${record} at byte ${offset} is truncated (${end - start} bytes left, a record needs at least ${HEADER_BYTES + FOOTER_BYTES}); the file was cut short.`,
        { details: { file: path, record } },
      );
    }
  } finally {
    await handle.close();
  }
}

async function isGzip(handle: FileHandle, compression: TfRecordCompression): Promise<boolean> {
  if (compression !== "auto") return compression === "gzip";
  const magic = await readAt(handle, 0, 2);
  return magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

interface FrameContext {
  path: string;
  record: number;
  offset: number;
  verify: boolean;
}

function nextFrame(
  bytes: Uint8Array,
  start: number,
  end: number,
  context: FrameContext,
): { payload: Uint8Array; size: number } | undefined {
  if (end - start < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, HEADER_BYTES);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (context.verify && view.getUint32(8, true) !== maskedCrc32c(bytes, start, start + 8)) {
    fail(context, "the CRC of its length does not match");
  }
  if (high !== 0 || low > 0x7fffffff)
    fail(context, `its length ${high * 2 ** 32 + low} is too large`);
  const size = HEADER_BYTES + low + FOOTER_BYTES;
  if (end - start < size) return undefined;
  const payloadStart = start + HEADER_BYTES;
  const payloadEnd = payloadStart + low;
  if (context.verify) {
    const stored = new DataView(bytes.buffer, bytes.byteOffset + payloadEnd, 4).getUint32(0, true);
    if (stored !== maskedCrc32c(bytes, payloadStart, payloadEnd)) {
      fail(context, "the CRC of its data does not match");
    }
  }
  return { payload: bytes.slice(payloadStart, payloadEnd), size };
}

function fail(context: FrameContext, problem: string): never {
  throw new DataError(
    `${context.path}: record ${context.record} at byte ${context.offset} is corrupt: ${problem}. Re-copy or regenerate the file.`,
    { details: { file: context.path, record: context.record } },
  );
}
