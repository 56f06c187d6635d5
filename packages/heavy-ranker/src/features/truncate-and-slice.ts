import { DataError } from "@tml/core";
import type { TruncateAndSliceConfig } from "../config/preprocess-config.js";
import {
  type FeatureBatch,
  type FeatureColumn,
  requireColumn,
  withColumns,
} from "./feature-batch.js";

/** Column indices kept after truncation, from `.npy` masks (see `readNpyMaskIndices`). */
export interface FeatureMasks {
  readonly continuous?: Int32Array;
  readonly binary?: Int32Array;
}

/** Copies the given columns of every row (`indices` into each row of `column`). */
export function selectColumns(
  column: FeatureColumn,
  numRows: number,
  indices: ArrayLike<number>,
): FeatureColumn {
  const width = indices.length;
  const Values = column.values.constructor as new (length: number) => FeatureColumn["values"];
  const out = new Values(numRows * width);
  let prefix = true;
  for (let j = 0; j < width && prefix; j++) prefix = indices[j] === j;
  if (prefix) {
    // Truncation keeps a prefix of each row: copy row slices instead of single values.
    for (let row = 0; row < numRows; row++) {
      const from = row * column.width;
      out.set(column.values.subarray(from, from + width) as never, row * width);
    }
    return { values: out, width };
  }
  const source = column.values as unknown as ArrayLike<number>;
  const target = out as unknown as number[];
  for (let row = 0; row < numRows; row++) {
    const from = row * column.width;
    const to = row * width;
    for (let j = 0; j < width; j++)
      target[to + j] = source[from + (indices[j] as number)] as number;
  }
  return { values: out, width };
}

function truncateOne(
  batch: FeatureBatch,
  name: string,
  truncation: number | null,
  mask: Int32Array | undefined,
): FeatureColumn | undefined {
  if (truncation === null && mask === undefined) return undefined;
  const column = requireColumn(batch, name, "truncate_and_slice");
  const width = truncation === null ? column.width : Math.min(truncation, column.width);
  let indices: ArrayLike<number> = Int32Array.from({ length: width }, (_, index) => index);
  if (mask !== undefined) {
    const outside = mask.find((index) => index >= width);
    if (outside !== undefined) {
      throw new DataError(
        `truncate_and_slice: the ${name} mask keeps column ${outside} but only ${width} columns remain after truncation`,
      );
    }
    indices = mask;
  }
  return selectColumns(column, batch.numRows, indices);
}

/**
 * TruncateAndSlice (`projects/home/recap/data/preprocessors.py`): `continuous[:, :Nc]`,
 * `binary[:, :Nb]`, then keep only the columns listed by the masks (indices into the truncated
 * columns).
 */
export function truncateAndSlice(
  batch: FeatureBatch,
  config: TruncateAndSliceConfig,
  masks: FeatureMasks = {},
): FeatureBatch {
  const replaced: [string, FeatureColumn][] = [];
  const continuous = truncateOne(
    batch,
    "continuous",
    config.continuous_feature_truncation,
    masks.continuous,
  );
  if (continuous) replaced.push(["continuous", continuous]);
  const binary = truncateOne(batch, "binary", config.binary_feature_truncation, masks.binary);
  if (binary) replaced.push(["binary", binary]);
  return withColumns(batch, replaced);
}
