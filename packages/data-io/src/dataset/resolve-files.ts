import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { NotFoundError } from "@tml/core";

/**
 * A dataset's files: a glob (`data/*.parquet`, `data/**\/part-*.tfrecord.gz`, `{a,b}` and `?`
 * supported), a directory (every non-hidden file below it), a single file, or a list of any of
 * these. Returns absolute paths, sorted and de-duplicated; NotFoundError naming the pattern when
 * nothing matches.
 */
export async function resolveDatasetFiles(input: string | readonly string[]): Promise<string[]> {
  const patterns = typeof input === "string" ? [input] : input;
  if (patterns.length === 0)
    throw new NotFoundError("The dataset names no files; give a glob, directory or list.");
  const found = new Set<string>();
  for (const pattern of patterns) {
    const matches = await resolveOne(pattern);
    if (matches.length === 0) {
      throw new NotFoundError(`No files match ${pattern}; check the path or glob.`, {
        details: { file: pattern },
      });
    }
    for (const match of matches) found.add(match);
  }
  return [...found].sort();
}

async function resolveOne(pattern: string): Promise<string[]> {
  if (!/[*?[{]/.test(pattern)) {
    const path = resolve(pattern);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return [];
    return info.isDirectory() ? walk(path, () => true) : [path];
  }
  const absolute = resolve(pattern);
  const parts = absolute.split(sep);
  const firstWild = parts.findIndex((part) => /[*?[{]/.test(part));
  const root = parts.slice(0, firstWild).join(sep) || sep;
  const matcher = globToRegExp(parts.slice(firstWild).join("/"));
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  return walk(root, (path) => matcher.test(relative(root, path).split(sep).join("/")));
}

async function walk(dir: string, keep: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue; // hidden files, including our own temporary files
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path, keep)));
    else if (entry.isFile() && keep(path)) out.push(path);
  }
  return out;
}

/** Converts a glob over `/`-separated relative paths to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  let braces = 0;
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === "*") {
      if (glob[index + 1] === "*") {
        const slash = glob[index + 2] === "/";
        source += slash ? "(?:[^/]+/)*" : ".*";
        index += slash ? 2 : 1;
      } else {
        source += "[^/]*";
      }
    } else if (char === "?") source += "[^/]";
    else if (char === "{") {
      braces++;
      source += "(?:";
    } else if (char === "}" && braces > 0) {
      braces--;
      source += ")";
    } else if (char === "," && braces > 0) source += "|";
    else if (char === "[") {
      const close = glob.indexOf("]", index + 1);
      if (close === -1) source += "\\[";
      else {
        source += `[${glob
          .slice(index + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        index = close;
      }
    } else source += char.replace(/[.+^$()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
