import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { BlockRanker, evaluationRuntime } from "./block-ranker.js";

const runtime = evaluationRuntime();
const random = (n: number, seed: number) => new Rng(seed).fillUniform(new Float32Array(n), -1, 1);

describe.skipIf(!runtime)("BlockRanker", () => {
  const [rows, dim, q] = [1000, 24, 50];
  const candidates = random(rows * dim, 1);
  const vectors = random(q * dim, 2);
  const queries = Array.from({ length: q }, (_, i) => ({ target: (i * 37) % rows, others: [i] }));

  // Relative order against doubles: equal within float32 rounding is not checked here (the
  // link-prediction tests compare exact ranks with ties against the JS loops).
  function expectPlausible(counts: ReturnType<BlockRanker["rank"]>): void {
    counts.forEach((count, i) => {
      const exact = (row: number) => {
        let s = 0;
        for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! * candidates[row * dim + d]!;
        return s;
      };
      expect(count.value(queries[i]!.target)).toBe(count.truth);
      expect(count.value(i)).toBeCloseTo(exact(i), 5);
      let above = 0;
      for (let row = 0; row < rows; row++) if (exact(row) > exact(queries[i]!.target)) above++;
      expect(Math.abs(count.greater - above)).toBeLessThanOrEqual(1);
      expect(count.equal).toBeGreaterThanOrEqual(1); // the target itself
    });
  }

  it("first truths from a product of the sweep's shape: no block is swept twice", () => {
    const ranker = BlockRanker.create(runtime!, candidates, rows, dim, null, q, {
      chunkRows: 128,
    })!;
    expectPlausible(ranker.rank(vectors, queries));
    expect(ranker.resweeps).toBe(0);
  });

  it("a wrong first truth costs a second sweep, not a wrong count", () => {
    const sizes = { chunkRows: 128, skipTruthGuess: true };
    const ranker = BlockRanker.create(runtime!, candidates, rows, dim, null, q, sizes)!;
    const counts = ranker.rank(vectors, queries);
    expect(ranker.resweeps).toBe(1);
    expectPlausible(counts);
    const again = BlockRanker.create(runtime!, candidates, rows, dim, null, q, { chunkRows: 128 })!;
    expect(again.rank(vectors, queries).map(({ value, ...rest }) => rest)).toEqual(
      counts.map(({ value, ...rest }) => rest),
    );
  });

  it("ranks a table in shared memory (Hogwild's) as it ranks a private one", () => {
    const shared = new Float32Array(new SharedArrayBuffer(candidates.byteLength));
    shared.set(candidates);
    const sizes = { chunkRows: 128 };
    const privateCounts = BlockRanker.create(runtime!, candidates, rows, dim, null, q, sizes)!.rank(
      vectors,
      queries,
    );
    const sharedRanker = BlockRanker.create(runtime!, shared, rows, dim, null, q, sizes)!;
    const sharedCounts = sharedRanker.rank(vectors, queries);
    expectPlausible(sharedCounts);
    sharedCounts.forEach((count, i) => {
      expect(count.value(queries[i]!.target)).toBeCloseTo(privateCounts[i]!.truth, 5);
      expect(Math.abs(count.greater - privateCounts[i]!.greater)).toBeLessThanOrEqual(1);
    });
  });

  it("rejects a block larger than its size", () => {
    const ranker = BlockRanker.create(runtime!, candidates, rows, dim, null, q, { maxQueries: 8 })!;
    expect(() => ranker.rank(vectors, queries)).toThrow(RangeError);
  });
});
