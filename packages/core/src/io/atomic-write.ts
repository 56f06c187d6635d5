import { randomBytes } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { environmentError } from "../errors/index.js";

/**
 * Writes a file atomically: the bytes go to a temporary file beside the target, which is then
 * renamed over it, so a crash never leaves a partial output. Creates the parent directory. A
 * failure of the environment (read-only, full, a file in the way) is an `IoError` naming `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw environmentError(error, path) ?? error;
  }
}
