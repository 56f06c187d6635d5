import { dirname, isAbsolute, resolve } from "node:path";
import { type LoadConfigOptions, loadConfigFile } from "@tml/core";
import type { RecapDataConfig } from "./data-config.js";
import { type RecapConfig, recapConfigSchema } from "./recap-config.js";

function resolvePaths(data: RecapDataConfig, base: string): RecapDataConfig {
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(base, path));
  const maybe = (path: string | null): string | null => (path === null ? null : absolute(path));
  const truncate = data.preprocess?.truncate_and_slice;
  return {
    ...data,
    seg_dense_schema: {
      ...data.seg_dense_schema,
      schema_path: absolute(data.seg_dense_schema.schema_path),
    },
    preprocess: data.preprocess && {
      ...data.preprocess,
      truncate_and_slice: truncate
        ? {
            ...truncate,
            continuous_feature_mask_path: maybe(truncate.continuous_feature_mask_path),
            binary_feature_mask_path: maybe(truncate.binary_feature_mask_path),
          }
        : null,
    },
  };
}

/**
 * Loads a Heavy Ranker YAML config (env substitution, anchors and merge keys, `key.path=value`
 * overrides, strict validation; see `loadConfigFile`). Relative `seg_dense_schema.schema_path` and
 * mask paths are resolved against the config file's folder (they are config assets); `inputs`
 * globs stay relative to the working directory.
 */
export function loadRecapConfig(path: string, options: LoadConfigOptions = {}): RecapConfig {
  const config = loadConfigFile(recapConfigSchema, path, options);
  const base = dirname(resolve(path));
  return {
    ...config,
    train_data: resolvePaths(config.train_data, base),
    validation_data: Object.fromEntries(
      Object.entries(config.validation_data).map(([name, data]) => [
        name,
        resolvePaths(data, base),
      ]),
    ),
  };
}
