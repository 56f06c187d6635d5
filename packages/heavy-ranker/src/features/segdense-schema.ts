import { readFileSync } from "node:fs";
import { ConfigError, NotFoundError } from "@tml/core";
import type { RecapDataConfig } from "../config/data-config.js";

/**
 * One entry of a segdense schema: a named fixed-length feature (`length` −1 = variable). Our
 * extension: `columns` lists scalar input columns (e.g. of converted Parquet) that are assembled
 * into this vector, in order, when the batch has no column of the feature's own name; `length`
 * then equals the number of columns (0 allowed: an empty group).
 */
export interface SegdenseFeature {
  readonly feature_name: string;
  readonly dtype: "int64_list" | "float_list" | "bytes_list";
  readonly length: number;
  readonly columns?: readonly string[];
}

/** A parsed segdense schema JSON (`{"schema": [...]}`, spec §3.2.1), entries in file order. */
export interface SegdenseSchema {
  readonly schema: readonly SegdenseFeature[];
}

const dtypes = new Set(["int64_list", "float_list", "bytes_list"]);

/** Validates a parsed segdense JSON value; `source` names the file in errors. */
export function parseSegdenseSchema(value: unknown, source: string): SegdenseSchema {
  const entries = (value as { schema?: unknown })?.schema;
  if (!Array.isArray(entries)) {
    throw new ConfigError(
      `${source}: a segdense schema is {"schema": [{feature_name, dtype, length}, ...]}`,
    );
  }
  const seen = new Set<string>();
  const schema = entries.map((entry: Record<string, unknown>, index): SegdenseFeature => {
    const { feature_name: name, dtype, length, columns } = entry ?? {};
    if (typeof name !== "string" || !dtypes.has(dtype as string) || !Number.isInteger(length)) {
      throw new ConfigError(
        `${source}: schema[${index}] must have a string feature_name, dtype int64_list|float_list|bytes_list and an integer length`,
      );
    }
    if (columns !== undefined) {
      if (!Array.isArray(columns) || columns.some((column) => typeof column !== "string")) {
        throw new ConfigError(
          `${source}: schema[${index}] (${name}) columns must be a list of column names`,
        );
      }
      if (columns.length !== length) {
        throw new ConfigError(
          `${source}: schema[${index}] (${name}) has length ${length} but assembles ${columns.length} columns`,
        );
      }
    } else if ((length as number) < -1 || length === 0) {
      throw new ConfigError(
        `${source}: schema[${index}] (${name}) has length ${length}; use ≥ 1 or −1`,
      );
    }
    if (seen.has(name)) throw new ConfigError(`${source}: feature "${name}" is listed twice`);
    seen.add(name);
    return {
      feature_name: name,
      dtype: dtype as SegdenseFeature["dtype"],
      length: length as number,
      ...(columns !== undefined ? { columns: columns as string[] } : {}),
    };
  });
  return { schema };
}

/** Reads and validates a segdense schema JSON file. */
export function loadSegdenseSchema(path: string): SegdenseSchema {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new NotFoundError(
      `segdense schema ${path} cannot be read; check seg_dense_schema.schema_path`,
      {
        cause,
      },
    );
  }
  try {
    return parseSegdenseSchema(JSON.parse(text), path);
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`segdense schema ${path} is not valid JSON`, { cause });
  }
}

/**
 * The schema features a dataset reads (spec §3.5.2): `seg_dense_schema.features`, the originals of
 * `renamed_features`, and the label names (`tasks` keys); throws ConfigError naming any feature the
 * schema lacks.
 */
export function usedFeatures(schema: SegdenseSchema, data: RecapDataConfig): SegdenseFeature[] {
  const wanted = new Set([
    ...data.seg_dense_schema.features,
    ...Object.values(data.seg_dense_schema.renamed_features),
    ...Object.keys(data.tasks),
  ]);
  const byName = new Map(schema.schema.map((feature) => [feature.feature_name, feature]));
  const missing = [...wanted].filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new ConfigError(
      `features ${missing.join(", ")} are not in the segdense schema ${data.seg_dense_schema.schema_path}`,
    );
  }
  return schema.schema.filter((feature) => wanted.has(feature.feature_name));
}
