import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { configKeyPaths } from "./config-key-paths.js";

/**
 * Which source files read each key of a config schema: key path (as `configKeyPaths` names it) →
 * one or more files, relative to the repository root. A key that is rejected at load time names
 * the file that rejects it.
 */
export type ConfigKeyReaders = Readonly<Record<string, string | readonly string[]>>;

/** Options of `unreadConfigKeys`. */
export interface UnreadConfigKeysOptions {
  /** The schema walked. */
  readonly schema: z.ZodType;
  /** The registry of readers, checked against the schema's keys both ways. */
  readonly readers: ConfigKeyReaders;
  /**
   * Keys whose reader a concurrent change is adding: skipped by the check, and themselves checked
   * to be keys of the schema (a pending key that no longer exists is reported).
   */
  readonly pending?: readonly string[];
  /**
   * Key-path prefixes checked by another walk (e.g. `training.` by core's training walk); keys
   * under them are skipped here.
   */
  readonly coveredElsewhere?: readonly string[];
  /**
   * Sections rejected whole at load time when set (their registered reader rejects them): their
   * sub-keys can never reach code, so they need no reader.
   */
  readonly rejectedSections?: readonly string[];
  /** The repository root the reader paths are relative to. */
  readonly root: string;
}

// Block and line comments removed: a doc comment naming a key does not read it.
function codeWithoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const leafKey = (path: string): string => path.slice(path.lastIndexOf(".") + 1);

// A read of `key`: a property access (`.key`, `["key"]`), a destructuring (`{ key } =`, or a loop's
// `for (const { key } of …)`), or the key as a string (a key path in an error). A schema declaring it (`key: z.…`) is none of these.
function readPattern(key: string): RegExp {
  const word = `(?<![A-Za-z0-9_$])${key}(?![A-Za-z0-9_$])`;
  return new RegExp(
    `\\.${word}|\\[["'\`]${key}["'\`]\\]|\\{[^{}]*${word}[^{}]*\\}\\s*(?:=[^=>]|of\\s)|["'\`]${key}["'\`]|["'\`.]${key}[ .:"'\`]`,
  );
}

/**
 * The problems of a reader registry, one line each (empty when every key is read): a key of the
 * schema with no reader, a registered key the schema no longer has, a reader file that does not
 * exist, or one whose code (comments removed) never reads the key (a property access, a
 * destructuring, or the key in a string such as an error's key path).
 */
export function unreadConfigKeys(options: UnreadConfigKeysOptions): string[] {
  const problems: string[] = [];
  const all = configKeyPaths(options.schema);
  const known = new Set(all.map((key) => key.path));
  const rejected = options.rejectedSections ?? [];
  const keys = all
    .filter((key) => !key.fixed && !rejected.some((section) => key.path.startsWith(`${section}.`)))
    .map((key) => key.path);
  const pending = new Set(options.pending ?? []);
  const covered = (path: string) =>
    (options.coveredElsewhere ?? []).some((prefix) => path.startsWith(prefix));
  const sources = new Map<string, string | undefined>();
  const source = (file: string): string | undefined => {
    if (!sources.has(file)) {
      const path = join(options.root, file);
      sources.set(
        file,
        existsSync(path) ? codeWithoutComments(readFileSync(path, "utf8")) : undefined,
      );
    }
    return sources.get(file);
  };
  for (const path of keys) {
    if (covered(path) || pending.has(path)) continue;
    const readers = options.readers[path];
    if (readers === undefined) {
      problems.push(
        `${path}: no code reads this key (register its reader, implement it, or reject it)`,
      );
      continue;
    }
    const leaf = leafKey(path);
    const mention = readPattern(leaf);
    for (const file of typeof readers === "string" ? [readers] : readers) {
      const text = source(file);
      if (text === undefined) problems.push(`${path}: reader ${file} does not exist`);
      else if (!mention.test(text)) problems.push(`${path}: ${file} never reads "${leaf}"`);
    }
  }
  for (const path of [...Object.keys(options.readers), ...pending, ...rejected]) {
    if (!known.has(path)) problems.push(`${path}: registered, but the schema has no such key`);
  }
  return problems;
}
