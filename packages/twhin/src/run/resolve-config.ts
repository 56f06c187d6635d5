import { loadConfigFile, parseConfig } from "@tml/core";
import { type TwhinConfig, twhinConfigSchema } from "../config/twhin-config.js";

/** A config object, or the path of a YAML file to load (with `key.path=value` overrides). */
export type ConfigSource = TwhinConfig | string;

/** Loads and validates a TwHIN config from a path or an object (ConfigError with the key path). */
export function resolveConfig(
  source: ConfigSource,
  overrides: readonly string[] = [],
): TwhinConfig {
  if (typeof source === "string") return loadConfigFile(twhinConfigSchema, source, { overrides });
  return parseConfig(twhinConfigSchema, source, "config");
}
