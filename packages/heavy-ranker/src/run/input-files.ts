import { readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { NotFoundError, UsageError } from "@tml/core";
import type { RecapDataConfig } from "../config/data-config.js";

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${escaped}$`);
}

/**
 * The sorted files of a dataset's `inputs` glob (wildcards `*` and `?` in the last path segment),
 * truncated to `num_files_to_keep`. Throws NotFoundError when nothing matches and UsageError for
 * the date-based selections, which need `inputs`.
 */
export async function resolveInputFiles(
  data: RecapDataConfig,
  name = "train_data",
): Promise<string[]> {
  if (!data.inputs) {
    throw new UsageError(
      `${name}: only \`inputs\` globs are supported for reading; set ${name}.inputs`,
    );
  }
  const path = resolve(data.inputs);
  const folder = dirname(path);
  const pattern = patternToRegExp(basename(path));
  const entries = await readdir(folder).catch(() => [] as string[]);
  let files = entries
    .filter((entry) => pattern.test(entry))
    .sort()
    .map((entry) => join(folder, entry));
  if (data.num_files_to_keep) files = files.slice(0, data.num_files_to_keep);
  if (files.length === 0) {
    throw new NotFoundError(
      `${name}.inputs ${data.inputs} matches no file; generate or convert data first`,
      {
        details: { path: data.inputs },
      },
    );
  }
  return files;
}
