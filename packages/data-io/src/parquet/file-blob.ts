import type { FileHandle } from "node:fs/promises";
import { readAt } from "../arrow/local-files.js";

/**
 * The subset of `Blob` that parquet-wasm's async reader calls (`size`, `slice`, `arrayBuffer`),
 * backed by positional reads of an open file so only the byte ranges it asks for (the footer, then
 * one row group's column chunks) are ever in memory.
 */
export interface FileBlob {
  readonly size: number;
  slice(start?: number, end?: number): FileBlob;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A `FileBlob` over bytes [start, end) of `handle`. */
export function fileBlob(handle: FileHandle, start: number, end: number): FileBlob {
  const size = Math.max(0, end - start);
  return {
    size,
    slice(from = 0, to = size) {
      const clamp = (value: number) =>
        Math.min(size, Math.max(0, value < 0 ? size + value : value));
      return fileBlob(handle, start + clamp(from), start + Math.max(clamp(from), clamp(to)));
    },
    async arrayBuffer() {
      const bytes = await readAt(handle, start, size);
      return bytes.byteLength === size ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
    },
  };
}
