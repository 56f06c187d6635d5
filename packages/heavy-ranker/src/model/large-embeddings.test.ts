import { Rng, roundToHalfPrecision } from "@tml/core";
import { describe, expect, it } from "vitest";
import { largeEmbeddingsConfigSchema } from "../config/model-config.js";
import { LargeEmbeddings } from "./large-embeddings.js";

const config = largeEmbeddingsConfigSchema.parse({
  tables: [
    { name: "user", num_embeddings: 4, embedding_dim: 2, feature_name: "meta__user_id" },
    {
      name: "tags",
      num_embeddings: 3,
      embedding_dim: 1,
      discrete_indices: [0, 1],
      pooling: "mean",
    },
  ],
  optimizer: { init_learning_rate: 0.1 },
});

function tables(): LargeEmbeddings {
  const embeddings = new LargeEmbeddings(config, new Rng(1));
  // user row r = [r, 10 r]; tags row r = [100 r].
  const [user, tags] = embeddings.tables;
  user?.assign(Float32Array.of(0, 0, 1, 10, 2, 20, 3, 30));
  tags?.assign(Float32Array.of(0, 100, 200));
  return embeddings;
}

// Two rows: user ids 1 and 6 (6 mod 4 = 2); tag bags [1, 2] and [-1, 4] (padding, 4 mod 3 = 1).
const ids = {
  user: { values: Int32Array.from([1, 6]), width: 1 },
  tags: { values: Int32Array.from([1, 2, -1, 4]), width: 2 },
};

describe("LargeEmbeddings", () => {
  it("initialises uniform in ±√(1/rows) (torchrec's default)", () => {
    const embeddings = new LargeEmbeddings(config, new Rng(1));
    const user = embeddings.tables[0]?.toFloat32() ?? new Float32Array();
    expect(Math.max(...user.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(new Set(user).size).toBe(user.length);
  });

  it("pools sum and mean bags, ids modulo the table size, negative ids as padding", () => {
    const pooled = tables().pool(ids, 2);
    expect([...pooled]).toEqual([1, 10, 150, 2, 20, 100]);
  });

  it("scatters the pooled gradient into unique rows (divided by the bag size under mean)", () => {
    const gradOutput = Float32Array.from([1, 2, 4, 3, 5, 8]);
    const [user, tags] = tables().gradients(ids, 2, gradOutput);
    expect(user?.count).toBe(2);
    expect([...(user?.rowIds.subarray(0, 2) ?? [])]).toEqual([1, 2]);
    expect([...(user?.values.subarray(0, 4) ?? [])]).toEqual([1, 2, 3, 5]);
    // Tag row 1 is in both bags: 4/2 + 8/1; row 2 only in the first: 4/2.
    expect(tags?.count).toBe(2);
    expect([...(tags?.rowIds.subarray(0, 2) ?? [])]).toEqual([1, 2]);
    expect([...(tags?.values.subarray(0, 2) ?? [])]).toEqual([10, 2]);
  });

  it("agrees with finite differences of a weighted sum of the pooled output", () => {
    const embeddings = tables();
    const weights = Float32Array.from([0.5, -1, 2, 1.5, 0.25, -3]);
    const objective = () =>
      embeddings
        .pool(ids, 2)
        .reduce((total, value, index) => total + value * (weights[index] ?? 0), 0);
    const [, tags] = embeddings.gradients(ids, 2, weights);
    const table = (embeddings.tables[1]?.storage ?? new Float32Array()) as Float32Array;
    for (let slot = 0; slot < (tags?.count ?? 0); slot++) {
      const row = tags?.rowIds[slot] ?? 0;
      const saved = table[row] ?? 0;
      table[row] = saved + 0.5;
      const up = objective();
      table[row] = saved - 0.5;
      const down = objective();
      table[row] = saved;
      expect(tags?.values[slot]).toBeCloseTo((up - down) / 1, 5);
    }
  });

  it("names tables as the original's state_dict and throws DataError on missing ids", () => {
    const embeddings = tables();
    expect([...embeddings.namedTables().keys()]).toEqual([
      "large_embeddings.ebc.embedding_bags.user.weight",
      "large_embeddings.ebc.embedding_bags.tags.weight",
    ]);
    expect(() => embeddings.pool({ user: ids.user }, 2)).toThrow(
      /no ids for large embedding table tags/,
    );
  });

  for (const format of ["fp16", "bf16"] as const) {
    it(`stores ${format} (half the bytes) and computes in fp32 on the rounded rows`, () => {
      const halfConfig = largeEmbeddingsConfigSchema.parse({
        tables: [{ ...config.tables[0], data_type: format }],
        optimizer: { init_learning_rate: 0.1 },
      });
      const embeddings = new LargeEmbeddings(halfConfig, new Rng(1));
      const table = embeddings.tables[0];
      expect(table?.storage).toBeInstanceOf(Uint16Array);
      expect(table?.stateArray().dtype).toBe("uint16");
      const initial = table?.toFloat32() ?? new Float32Array();
      expect(initial.every((value) => roundToHalfPrecision(value, format) === value)).toBe(true);
      expect(new Set(initial).size).toBeGreaterThan(4);
      const values = Float32Array.of(0.1, 0.2, 1.1, 10.3, 2.7, 20.9, 3.3, 31.7);
      table?.assign(values);
      const rounded = Array.from(values, (value) => roundToHalfPrecision(value, format));
      expect([...(table?.toFloat32() ?? [])]).toEqual(rounded);
      const pooled = embeddings.pool({ user: ids.user }, 2);
      expect([...pooled]).toEqual([rounded[2], rounded[3], rounded[4], rounded[5]]);
    });
  }
});
