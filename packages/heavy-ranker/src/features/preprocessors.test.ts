import { describe, expect, it } from "vitest";
import { downCast } from "./downcast.js";
import { downsampleNegatives, WEIGHTS_COLUMN } from "./downsample-negatives.js";
import { extractFeatures } from "./extract-features.js";
import type { FeatureBatch, FeatureColumn } from "./feature-batch.js";
import { keepRateWeights } from "./keep-rate-weights.js";
import { rectifyLabels } from "./rectify-labels.js";
import { maskMantissa } from "./rename-features.js";
import { truncateAndSlice } from "./truncate-and-slice.js";

function batch(numRows: number, columns: Record<string, FeatureColumn>): FeatureBatch {
  return { numRows, features: new Map(Object.entries(columns)) };
}
const values = (b: FeatureBatch, name: string) =>
  [...(b.features.get(name)?.values ?? [])].map(Number);

describe("truncateAndSlice", () => {
  const input = batch(2, {
    continuous: { values: Float32Array.from([0, 1, 2, 3, 4, 10, 11, 12, 13, 14]), width: 5 },
    binary: { values: new BigInt64Array([1n, 0n, 1n, 0n, 1n, 1n]), width: 3 },
  });

  it("keeps the first N columns of each group", () => {
    const out = truncateAndSlice(input, {
      continuous_feature_truncation: 3,
      binary_feature_truncation: 2,
      continuous_feature_mask_path: null,
      binary_feature_mask_path: null,
    });
    expect(values(out, "continuous")).toEqual([0, 1, 2, 10, 11, 12]);
    expect(out.features.get("continuous")?.width).toBe(3);
    expect(values(out, "binary")).toEqual([1, 0, 0, 1]);
  });

  it("then gathers the masked columns, rejecting masks past the truncation", () => {
    const config = {
      continuous_feature_truncation: 4,
      binary_feature_truncation: null,
      continuous_feature_mask_path: null,
      binary_feature_mask_path: null,
    };
    const out = truncateAndSlice(input, config, { continuous: Int32Array.from([1, 3]) });
    expect(values(out, "continuous")).toEqual([1, 3, 11, 13]);
    expect(values(out, "binary")).toEqual([1, 0, 1, 0, 1, 1]);
    expect(() => truncateAndSlice(input, config, { continuous: Int32Array.from([4]) })).toThrow(
      /mask keeps column 4/,
    );
  });
});

describe("downsampleNegatives", () => {
  it("matches the spec example fav=[1,0,0,0], m=2 → fav [1,0], weights [1,3]", () => {
    const input = batch(4, {
      fav: { values: Float32Array.from([1, 0, 0, 0]), width: 1 },
      x: { values: Float32Array.from([10, 20, 30, 40]), width: 1 },
    });
    const out = downsampleNegatives(input, {
      batch_multiplier: 2,
      engagements_list: ["fav"],
      num_engagements: 1,
    });
    expect(out.numRows).toBe(2);
    expect(values(out, "fav")).toEqual([1, 0]);
    expect(values(out, WEIGHTS_COLUMN)).toEqual([1, 3]);
    expect(values(out, "x")).toEqual([10, 20]);
  });

  it("puts positives of any listed label first and scales existing weights", () => {
    const input = batch(6, {
      a: { values: Float32Array.from([0, 0, 1, 0, 0, 0]), width: 1 },
      b: { values: Float32Array.from([0, 0, 0, 0, 1, 0]), width: 1 },
      [WEIGHTS_COLUMN]: {
        values: Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]),
        width: 2,
      },
    });
    const out = downsampleNegatives(input, {
      batch_multiplier: 2,
      engagements_list: ["a", "b"],
      num_engagements: 2,
    });
    // P = 2, B = 3: negative weight (6 − 2) / (3 − 2) = 4; rows kept: 2, 4 (positives), 0.
    expect(values(out, "a")).toEqual([1, 0, 0]);
    expect(values(out, "b")).toEqual([0, 1, 0]);
    expect(values(out, WEIGHTS_COLUMN)).toEqual([3, 3, 5, 5, 4, 4]);
  });
});

describe("rectifyLabels", () => {
  it("zeroes labels engaged or impressed outside the window", () => {
    const hour = 3_600_000;
    const input = batch(4, {
      fav: { values: new BigInt64Array([1n, 1n, 1n, 0n]), width: 1 },
      served: { values: Float64Array.from([0, 0, 0, 0]), width: 1 },
      impressed: { values: Float64Array.from([hour, 4 * hour, hour, hour]), width: 1 },
      fav_at: { values: Float64Array.from([2 * hour, hour, 3 * hour, hour]), width: 1 },
    });
    const out = rectifyLabels(input, {
      label_rectification_window_in_hours: 3,
      served_timestamp_field: "served",
      impressed_timestamp_field: "impressed",
      label_to_engaged_timestamp_field: { fav: "fav_at" },
    });
    expect(values(out, "fav")).toEqual([1, 0, 0, 0]);
  });
});

describe("extractFeatures, keep-rate weights, casts", () => {
  it("copies one column of a source tensor", () => {
    const input = batch(2, { discrete: { values: Int32Array.from([1, 2, 3, 4, 5, 6]), width: 3 } });
    const out = extractFeatures(input, {
      extract_feature_table: [{ name: "d1", source_tensor: "discrete", index: 1 }],
    });
    expect(values(out, "d1")).toEqual([2, 5]);
    expect(() =>
      extractFeatures(input, {
        extract_feature_table: [{ name: "d", source_tensor: "discrete", index: 3 }],
      }),
    ).toThrow(/column 3/);
  });

  it("weights y/pos + (1 − y)/neg per task, none when all rates are 1", () => {
    const input = batch(2, {
      a: { values: Float32Array.from([1, 0]), width: 1 },
      b: { values: Float32Array.from([0, 1]), width: 1 },
    });
    const weights = keepRateWeights(input, {
      a: { pos_downsampling_rate: 0.5, neg_downsampling_rate: 0.01 },
      b: { pos_downsampling_rate: 1, neg_downsampling_rate: 0.25 },
    });
    expect(weights?.width).toBe(2);
    expect([...(weights?.values ?? [])].map((v) => Number(Number(v).toFixed(4)))).toEqual([
      2, 4, 100, 1,
    ]);
    const ones = { pos_downsampling_rate: 1, neg_downsampling_rate: 1 };
    expect(keepRateWeights(input, { a: ones, b: ones })).toBeUndefined();
  });

  it("rounds to bfloat16 / float16 with ties to even and casts to bool", () => {
    const brains = batch(1, {
      f: { values: Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.0000001]), width: 3 },
    });
    expect(values(downCast(brains, { features: { f: "bfloat16" } }), "f")).toEqual([
      1,
      1 + 2 ** -6,
      -3,
    ]);
    const halves = batch(1, {
      f: {
        values: Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 70000, 1.5 * 2 ** -24]),
        width: 5,
      },
    });
    expect(values(downCast(halves, { features: { f: "float16" } }), "f")).toEqual([
      1,
      1 + 2 ** -9,
      65504,
      Number.POSITIVE_INFINITY,
      2 ** -23,
    ]);
    const input = batch(1, { f: { values: Float32Array.from([0, 2.5, -1]), width: 3 } });
    expect(values(downCast(input, { features: { f: "bool" } }), "f")).toEqual([0, 1, 1]);
  });

  it("masks low mantissa bits", () => {
    expect([
      ...maskMantissa(Float32Array.from([1 + 2 ** -23, 1.5 + 2 ** -20, 1.5 + 2 ** -10]), 12),
    ]).toEqual([1, 1.5, 1.5 + 2 ** -10]);
  });
});
