import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { debugKillPoint } from "@tml/core";

/**
 * Writes the folder `dir` all at once: `write` fills a fresh temporary sibling
 * (`.<name>.tmp-<pid>`), which then replaces `dir`. So `dir` exists only complete, and a run
 * killed while writing leaves no half folder that a resume would take for finished. Temporary
 * siblings a killed run left are removed first.
 */
export async function publishDirectory<T>(
  dir: string,
  write: (temporary: string) => Promise<T>,
): Promise<T> {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.tmp-`;
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const temporary = join(parent, `${prefix}${process.pid}`);
  const result = await write(temporary);
  debugKillPoint("export");
  rmSync(dir, { recursive: true, force: true });
  renameSync(temporary, dir);
  return result;
}
