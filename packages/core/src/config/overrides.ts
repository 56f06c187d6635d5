import { parse } from "yaml";
import { ConfigError } from "../errors/index.js";

/**
 * Applies command-line overrides `a.b.c=value` to a parsed config (a deep copy is returned). The
 * value is read as YAML, so `x=0.1`, `x=true`, `x=null`, `x=[1,2]` and `x={a: 1}` keep their
 * types; numeric path segments index arrays. Unknown keys are created and left for the schema to
 * reject with their path.
 */
export function applyOverrides(config: unknown, overrides: readonly string[]): unknown {
  const result = structuredClone(config ?? {}) as Record<string, unknown>;
  for (const override of overrides) {
    const equals = override.indexOf("=");
    if (equals <= 0) {
      throw new ConfigError(`Override "${override}" is not of the form key.path=value.`, {
        details: { override },
      });
    }
    const path = override.slice(0, equals).trim().split(".");
    if (path.some((segment) => segment.length === 0)) {
      throw new ConfigError(`Override "${override}" has an empty key in its path.`, {
        details: { override },
      });
    }
    let value: unknown;
    try {
      value = parse(override.slice(equals + 1));
    } catch (cause) {
      throw new ConfigError(`Override "${override}": the value is not valid YAML.`, {
        cause,
        details: { override },
      });
    }
    let node: Record<string, unknown> = result;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== "object" || next === null) {
        if (next !== undefined && next !== null) {
          throw new ConfigError(
            `Override "${override}": "${segment}" holds a ${typeof next}, not a section, so it has no keys to set.`,
            { details: { override } },
          );
        }
        node[segment] = {};
      }
      node = node[segment] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value === null && override.endsWith("=") ? "" : value;
  }
  return result;
}
