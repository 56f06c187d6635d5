import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import type { z } from "zod";
import { ConfigError, NotFoundError } from "../errors/index.js";
import { applyOverrides } from "./overrides.js";
import { parseConfig } from "./parse-config.js";
import { substituteEnv } from "./substitute-env.js";

/** Options of `loadConfigFile` and `loadConfigText`. */
export interface LoadConfigOptions {
  /** Variables for `$VAR` substitution; defaults to `process.env` (plus `USER`). */
  env?: Record<string, string | undefined>;
  /** `key.path=value` overrides applied after parsing, before validation. */
  overrides?: readonly string[];
  /** Name used in error messages (the file path for `loadConfigFile`). */
  source?: string;
}

// Stands in for an unset variable until the YAML is parsed: one in a comment vanishes with it, one
// in a value is an error naming the variable (a private-use character no config contains).
const UNSET = "\u{F0000}";

/** The first value or key (after overrides) that still holds an unset variable, with its key path. */
function findUnsetVariable(
  value: unknown,
  path: string[] = [],
): { name: string; path: string } | undefined {
  if (typeof value === "string") {
    const at = value.indexOf(UNSET);
    if (at < 0) return undefined;
    const name = value.slice(at + UNSET.length, value.indexOf(UNSET, at + UNSET.length));
    return { name, path: path.join(".") || "(root)" };
  }
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = findUnsetVariable(key, path) ?? findUnsetVariable(child, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses YAML config text: environment substitution on the raw text, YAML with anchors, aliases
 * and `<<` merge keys, overrides, then strict validation. Throws `ConfigError` with the key path,
 * also for a `$VAR` / `${VAR}` whose variable is not set (outside comments), naming it.
 */
export function loadConfigText<S extends z.ZodType>(
  schema: S,
  text: string,
  options: LoadConfigOptions = {},
): z.output<S> {
  const source = options.source ?? "config";
  let parsed: unknown;
  try {
    const substituted = substituteEnv(text, options.env, (name) => `${UNSET}${name}${UNSET}`);
    parsed = parse(substituted, { merge: true, maxAliasCount: 10_000 });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`${source} is not valid YAML: ${reason}`, { cause, details: { source } });
  }
  const withOverrides = applyOverrides(parsed ?? {}, options.overrides ?? []);
  const unset = findUnsetVariable(withOverrides);
  if (unset) {
    throw new ConfigError(
      `${source}: ${unset.path} uses \${${unset.name}}, but the environment variable ${unset.name} is not set; set it (export ${unset.name}=…) or write the value.`,
      { details: { source, path: unset.path, variable: unset.name } },
    );
  }
  return parseConfig(schema, withOverrides, source);
}

/** Reads and validates a YAML config file (see `loadConfigText`); a missing file is `NotFoundError`. */
export function loadConfigFile<S extends z.ZodType>(
  schema: S,
  path: string,
  options: LoadConfigOptions = {},
): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new NotFoundError(`Config file ${path} cannot be read: check the path.`, {
      cause,
      details: { path },
    });
  }
  return loadConfigText(schema, text, { ...options, source: options.source ?? path });
}

/** The config printed as YAML (for logs and the resolved `config.yaml` of a run). */
export function configToYaml(config: unknown): string {
  return stringify(config, { aliasDuplicateObjects: false, lineWidth: 0 });
}
