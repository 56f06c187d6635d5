import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { DataError, environmentError, NotFoundError } from "@tml/core";

/**
 * Opens `path` for reading; a missing path is a NotFoundError and a directory or unreadable file a
 * DataError, each naming the file and the kind of file expected (`what`, e.g. "Parquet file").
 */
export async function openInput(path: string, what: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new NotFoundError(`${what} ${path} does not exist; check the path or glob.`, {
        cause: error,
        details: { file: path },
      });
    }
    throw new DataError(`Cannot open ${what} ${path}: ${(error as Error).message}.`, {
      cause: error,
      details: { file: path },
    });
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new DataError(`${what} ${path} is not a regular file; name a file, not a directory.`, {
      details: { file: path },
    });
  }
  return handle;
}

/**
 * Writes a file atomically: `produce` writes into a temporary file beside `path` (same directory,
 * so the rename cannot cross devices), which is renamed over `path` only when it succeeds; on any
 * error the temporary file is removed and `path` is left as it was.
 */
export async function streamFileAtomic(
  path: string,
  produce: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, "wx");
    await produce(handle);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(temporary).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError(`Cannot write ${path}: its directory does not exist.`, {
        cause: error,
        details: { file: path },
      });
    }
    throw environmentError(error, path) ?? error;
  }
}

/** Reads exactly `length` bytes at `position`, or fewer when the file ends first. */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}
