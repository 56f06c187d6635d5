import { ConfigError, DataError } from "@tml/core";
import type { Column, ColumnBatch } from "../arrow/column-batch.js";
import {
  countValues,
  type FeatureRef,
  indexExample,
  readFloatValues,
  readInt64Values,
} from "./example-proto.js";
import { WireFormatError } from "./protobuf-wire.js";
import type { SegdenseFeature, SegdenseSchema } from "./segdense-schema.js";

/** Options of `parseExamples`. */
export interface ParseExamplesOptions {
  /** The features the records hold (name, dtype, values per record). */
  schema: SegdenseSchema;
  /** Record feature names to parse (default: every float and int64 feature of the schema). */
  features?: readonly string[];
  /**
   * New column name → record feature name, as the original config's `renamed_features`; renamed
   * features are parsed even when `features` omits them and come out under the new name.
   */
  renames?: Readonly<Record<string, string>>;
  /** Names the file and the index of `records[0]` inside it in errors. */
  file?: string;
  firstRecord?: number;
}

interface Plan {
  feature: SegdenseFeature;
  output: string;
}

/**
 * Parses serialized `tf.train.Example`s into typed columns, as the original's Heavy Ranker parses
 * its data: every fixed-length feature becomes a float32 or int64 column of `length` values per
 * row, a feature missing from a record is filled with zeros (counted in `nullCount`), a present
 * feature with another length or list type is a DataError naming file, record and feature; a
 * length -1 feature becomes a variable list (values + offsets).
 */
export function parseExamples(
  records: readonly Uint8Array[],
  options: ParseExamplesOptions,
): ColumnBatch {
  const plans = planFeatures(options);
  const indexes = records.map((record, index) => {
    try {
      return indexExample(record);
    } catch (error) {
      throw recordError(
        options,
        index,
        `is not a valid tf.train.Example (${(error as Error).message})`,
        error,
      );
    }
  });
  const columns: Record<string, Column> = {};
  for (const plan of plans) columns[plan.output] = parseFeature(records, indexes, plan, options);
  const batch: ColumnBatch = { numRows: records.length, columns };
  if (options.file !== undefined) {
    batch.source = { file: options.file, firstRow: options.firstRecord ?? 0 };
  }
  return batch;
}

function planFeatures(options: ParseExamplesOptions): Plan[] {
  const byName = new Map(options.schema.schema.map((feature) => [feature.feature_name, feature]));
  const outputOf = new Map<string, string>();
  for (const [output, name] of Object.entries(options.renames ?? {})) outputOf.set(name, output);
  const names = new Set(
    options.features ??
      options.schema.schema
        .filter((feature) => feature.dtype !== "bytes_list")
        .map((feature) => feature.feature_name),
  );
  for (const name of outputOf.keys()) names.add(name);
  return [...names].map((name) => {
    const feature = byName.get(name);
    if (feature === undefined) {
      throw new ConfigError(
        `Feature "${name}" is not in the segdense schema; add it there or stop using it.`,
        {
          details: { key: name },
        },
      );
    }
    if (feature.dtype === "bytes_list") {
      throw new ConfigError(
        `Feature "${name}" is a bytes_list, which has no typed-array column; leave it out.`,
        {
          details: { key: name },
        },
      );
    }
    return { feature, output: outputOf.get(name) ?? name };
  });
}

function parseFeature(
  records: readonly Uint8Array[],
  indexes: readonly Map<string, FeatureRef>[],
  plan: Plan,
  options: ParseExamplesOptions,
): Column {
  const { feature_name: name, dtype, length } = plan.feature;
  const isFloat = dtype === "float_list";
  const rows = records.length;
  const refs = indexes.map((index) => index.get(name));
  refs.forEach((ref, row) => {
    if (ref !== undefined && ref.kind !== dtype) {
      throw recordError(
        options,
        row,
        `feature "${name}" is a ${ref.kind}, the schema says ${dtype}`,
      );
    }
  });
  let offsets: Int32Array | undefined;
  let total = rows * length;
  if (length === -1) {
    offsets = new Int32Array(rows + 1);
    refs.forEach((ref, row) => {
      offsets![row + 1] =
        offsets![row]! +
        (ref === undefined ? 0 : guarded(options, row, () => countValues(records[row]!, ref)));
    });
    total = offsets[rows]!;
  }
  const values = isFloat ? new Float32Array(total) : new BigInt64Array(total);
  const target = isFloat ? values : new Int32Array(values.buffer);
  let nullCount = 0;
  refs.forEach((ref, row) => {
    const start = offsets === undefined ? row * length : offsets[row]!;
    if (ref === undefined) {
      nullCount += offsets === undefined ? length : 0;
      return;
    }
    if (offsets === undefined) {
      const count = guarded(options, row, () => countValues(records[row]!, ref));
      if (count !== length) {
        throw recordError(
          options,
          row,
          `feature "${name}" has ${count} values, the schema says ${length}`,
        );
      }
    }
    guarded(options, row, () =>
      isFloat
        ? readFloatValues(records[row]!, ref, target as Float32Array, start)
        : readInt64Values(records[row]!, ref, target as Int32Array, start),
    );
  });
  const column: Column = {
    dtype: isFloat ? "float32" : "int64",
    values,
    rowLength: length === -1 ? -1 : length,
    nullCount,
  };
  if (offsets !== undefined) column.offsets = offsets;
  return column;
}

function guarded<T>(options: ParseExamplesOptions, row: number, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof WireFormatError) {
      throw recordError(options, row, `is not a valid tf.train.Example (${error.message})`, error);
    }
    throw error;
  }
}

function recordError(
  options: ParseExamplesOptions,
  row: number,
  problem: string,
  cause?: unknown,
): DataError {
  const record = (options.firstRecord ?? 0) + row;
  const file = options.file ?? "(records)";
  return new DataError(`${file}: record ${record} ${problem}.`, {
    cause,
    details: { file: options.file, record },
  });
}
