import { DataError, Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { communityPairAuc } from "./community-recovery.js";

describe("communityPairAuc", () => {
  const rows = 600;
  const dim = 16;
  const communities = Int32Array.from({ length: rows }, (_, i) => i % 4);

  it("is 1 for separated communities, about 0.5 for random embeddings, in between with noise", () => {
    const rng = new Rng(1);
    const centroids = rng.fillNormal(new Float32Array(4 * dim));
    const table = (noise: number, centroidWeight: number) => {
      const values = new Float32Array(rows * dim);
      for (let i = 0; i < rows; i++) {
        for (let d = 0; d < dim; d++)
          values[i * dim + d] =
            centroidWeight * centroids[communities[i]! * dim + d]! + noise * rng.normal();
      }
      return { rows, dim, values };
    };
    expect(communityPairAuc(table(0, 1), communities, new Rng(2), 5000)).toBe(1);
    expect(
      Math.abs(communityPairAuc(table(1, 0), communities, new Rng(2), 5000) - 0.5),
    ).toBeLessThan(0.03);
    const noisy = communityPairAuc(table(1, 0.5), communities, new Rng(2), 5000);
    expect(noisy).toBeGreaterThan(0.6);
    expect(noisy).toBeLessThan(0.99);
  });

  it("rejects labels that do not match the table", () => {
    expect(() =>
      communityPairAuc(
        { rows: 2, dim: 1, values: new Float32Array(2) },
        new Int32Array(3),
        new Rng(1),
      ),
    ).toThrow(DataError);
  });
});
