import { DataError } from "@tml/core";
import type { ColumnBatch } from "@tml/data-io";
import { describe, expect, it } from "vitest";
import type { FeatureBatch } from "../features/feature-batch.js";
import { transformedFeatureBatch } from "../features/recap-dataset.js";
import { withTwhinEmbeddings } from "./twhin-embeddings.js";

const USER = "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings";
const AUTHOR =
  "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings";

describe("withTwhinEmbeddings", () => {
  it("replaces embedding columns by table rows of the row's ids (zeros out of range)", () => {
    const raw: FeatureBatch = {
      numRows: 3,
      features: new Map([
        ["meta.user_id", { values: BigInt64Array.from([1n, 0n, 7n]), width: 1 }],
        ["meta.author_id", { values: BigInt64Array.from([0n, 0n, 1n]), width: 1 }],
        [USER, { values: new Float32Array(6).fill(9), width: 2 }],
      ]),
    };
    const table = { values: Float32Array.from([1, 2, 3, 4]), dim: 2 };
    const transform = withTwhinEmbeddings({ user: table, author: table });
    expect(transform.reads).toEqual(["meta.user_id", "meta.author_id"]);
    expect(transform.replaces).toEqual([USER, AUTHOR]);
    const out = transform.apply(raw);
    expect(Array.from(out.features.get(USER)?.values as Float32Array)).toEqual([3, 4, 1, 2, 0, 0]);
    expect(Array.from(out.features.get(AUTHOR)?.values as Float32Array)).toEqual([
      1, 2, 1, 2, 3, 4,
    ]);
    expect(raw.features.get(USER)?.values[0]).toBe(9);
  });

  it("names the missing id column", () => {
    const raw: FeatureBatch = { numRows: 1, features: new Map() };
    const table = { values: new Float32Array(2), dim: 2 };
    expect(() => withTwhinEmbeddings({ author: table }).apply(raw)).toThrow(/meta\.author_id/);
  });

  it("gives zeros to negative and fractional ids and rejects a wide id column", () => {
    const table = { values: Float32Array.from([1, 2, 3, 4]), dim: 2 };
    const ids = (values: Float64Array, width = 1): FeatureBatch => ({
      numRows: values.length / width,
      features: new Map([["meta.user_id", { values, width }]]),
    });
    const out = withTwhinEmbeddings({ user: table }).apply(ids(Float64Array.from([-1, 0.5, 1])));
    expect(Array.from(out.features.get(USER)?.values as Float32Array)).toEqual([0, 0, 0, 0, 3, 4]);
    expect(() =>
      withTwhinEmbeddings({ user: table }).apply(ids(Float64Array.from([0, 1]), 2)),
    ).toThrow(/meta\.user_id has 2 values per row/);
  });

  it("rejects a table that is not whole finite rows of dim", () => {
    const user = (values: number[], dim: number) => ({ values: Float32Array.from(values), dim });
    expect(() => withTwhinEmbeddings({ user: user([1, 2, 3], 2) })).toThrow(DataError);
    expect(() => withTwhinEmbeddings({ user: user([], 2) })).toThrow(/dim 2/);
    expect(() => withTwhinEmbeddings({ user: user([1, 2], 0) })).toThrow(/dim 0/);
    expect(() => withTwhinEmbeddings({ author: user([1, 2, Number.NaN, 4], 2) })).toThrow(
      /author embeddings: row 1 holds NaN/,
    );
  });

  it("refuses null ids, which data-io reads as id 0", () => {
    const batch = (nullCount: number): ColumnBatch => ({
      numRows: 2,
      columns: {
        "meta.user_id": {
          dtype: "int64",
          values: BigInt64Array.from([1n, 0n]),
          rowLength: 1,
          nullCount,
        },
      },
      source: { file: "part-0.parquet", firstRow: 0 },
    });
    const transform = withTwhinEmbeddings({
      user: { values: Float32Array.from([1, 2, 3, 4]), dim: 2 },
    });
    const out = transformedFeatureBatch(batch(0), transform);
    expect(Array.from(out.features.get(USER)?.values as Float32Array)).toEqual([3, 4, 1, 2]);
    expect(() => transformedFeatureBatch(batch(1), transform)).toThrow(
      /"meta\.user_id" of part-0\.parquet holds 1 null values/,
    );
  });
});
