import { ConfigError, Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { fitLogisticRegression, predictLogit } from "./__fixtures__/logistic-regression.js";
import { expectedAuc, rocAuc } from "./expected-auc.js";
import { SEGDENSE_LAYOUT } from "./ranker-chunk.js";
import { RankerGenerator } from "./ranker-generator.js";

const SMALL = { continuous: 96, binary: 64, discrete: 8, embedding: 16 };
const FAV = "recap.engagement.is_favorited";

describe("RankerGenerator", () => {
  it("is a pure function of the seed, whatever the chunk sizes", () => {
    const a = new RankerGenerator({
      seed: 11,
      layout: SMALL,
      users: 200,
      authors: 50,
      calibrationRows: 2000,
    });
    const b = new RankerGenerator({
      seed: 11,
      layout: SMALL,
      users: 200,
      authors: 50,
      calibrationRows: 2000,
    });
    const c = new RankerGenerator({
      seed: 12,
      layout: SMALL,
      users: 200,
      authors: 50,
      calibrationRows: 2000,
    });
    const whole = a.nextChunk(8);
    const first = b.nextChunk(3);
    const second = b.nextChunk(5);
    expect(Array.from(whole.continuous.subarray(0, 3 * SMALL.continuous))).toEqual(
      Array.from(first.continuous),
    );
    expect(Array.from(whole.continuous.subarray(3 * SMALL.continuous))).toEqual(
      Array.from(second.continuous),
    );
    expect(whole.labels[8]!.subarray(3)).toEqual(second.labels[8]);
    expect(whole.userId.subarray(0, 3)).toEqual(first.userId);
    expect(Array.from(c.nextChunk(8).continuous)).not.toEqual(Array.from(whole.continuous));
  });

  it("fills the full segdense layout with 0/1 labels and in-range values", () => {
    const generator = new RankerGenerator({ seed: 1, users: 500, calibrationRows: 2000 });
    const chunk = generator.nextChunk(4);
    expect(chunk.layout).toEqual(SEGDENSE_LAYOUT);
    expect(chunk.continuous.length).toBe(4 * 6000);
    expect(chunk.binary.length).toBe(4 * 512);
    expect(chunk.discrete.length).toBe(4 * 320);
    expect(chunk.userEmbedding.length).toBe(4 * 200);
    expect(chunk.labels).toHaveLength(13);
    for (const column of chunk.labels)
      for (const v of column) expect(v === 0n || v === 1n).toBe(true);
    for (const v of chunk.binary) expect(v === 0n || v === 1n).toBe(true);
    for (const v of chunk.continuous) expect(v >= 0 && Number.isFinite(v)).toBe(true);
    for (const v of chunk.discrete) expect(v >= 0n && v < 10_000n).toBe(true);
  });

  it("hits each task's target positive rate", () => {
    const generator = new RankerGenerator({ seed: 5, layout: SMALL });
    const rows = 40_000;
    generator.nextChunk(rows);
    const report = generator.report();
    const rates = new Set<number>();
    for (const [name, summary] of Object.entries(report)) {
      const rate = summary.targetRate;
      rates.add(rate);
      const sd = Math.sqrt(rows * rate * (1 - rate));
      // Binomial noise plus the calibration sample's own error (20k rows).
      expect(Math.abs(summary.positives - rows * rate), name).toBeLessThan(
        5 * sd + 0.06 * rows * rate + 2,
      );
      expect(summary.bayesAuc, name).toBeGreaterThan(0.75);
    }
    expect(rates.size).toBeGreaterThan(8);
  });

  it("plants signal a logistic regression on the informative features recovers", () => {
    const generator = new RankerGenerator({
      seed: 9,
      layout: SMALL,
      rates: { [FAV]: 0.15 },
      calibrationRows: 20_000,
    });
    const t = generator.model.taskNames.indexOf(FAV);
    const D = generator.model.featureCount;
    const train = generator.nextChunk(20_000);
    const test = generator.nextChunk(10_000);
    const weights = fitLogisticRegression(
      generator.informativeFeatures(train),
      Array.from(train.labels[t]!, Number),
      D,
      1e-4,
      10,
    );
    const scores = predictLogit(generator.informativeFeatures(test), weights, D, test.rows);
    const labels = Array.from(test.labels[t]!, Number);
    const fitted = rocAuc(scores, labels);
    const trueP = test.logits![t]!.map((logit) => 1 / (1 + Math.exp(-logit)));
    const bayes = expectedAuc(trueP);
    const oracle = rocAuc(trueP, labels);
    expect(bayes).toBeGreaterThan(0.75);
    expect(fitted).toBeGreaterThan(oracle - 0.015);
    expect(fitted).toBeLessThan(oracle + 0.01);
    // The fitted weights recover the planted ones (bias aside).
    const planted = generator.model.weights.subarray(t * D, (t + 1) * D);
    let dot = 0;
    let normA = 0;
    let normB = 0;
    for (let d = 0; d < D; d++) {
      dot += planted[d]! * weights[d]!;
      normA += planted[d]! ** 2;
      normB += weights[d]! ** 2;
    }
    expect(dot / Math.sqrt(normA * normB)).toBeGreaterThan(0.95);
  });

  it("is learnable from the raw columns without knowing the hidden model", () => {
    const layout = { continuous: 40, binary: 24, discrete: 4, embedding: 16 };
    const generator = new RankerGenerator({
      seed: 13,
      layout,
      rates: { [FAV]: 0.2 },
      informativeContinuous: 12,
      informativeBinary: 6,
      calibrationRows: 5000,
    });
    const t = generator.model.taskNames.indexOf(FAV);
    // What a ranker sees: log1p of every continuous value, every flag, and the embedding dot product.
    const D = layout.continuous + layout.binary + 1;
    const design = (chunk: ReturnType<typeof generator.nextChunk>) => {
      const x = new Float64Array(chunk.rows * D);
      for (let row = 0; row < chunk.rows; row++) {
        for (let j = 0; j < layout.continuous; j++)
          x[row * D + j] = Math.log1p(chunk.continuous[row * layout.continuous + j]!);
        for (let k = 0; k < layout.binary; k++)
          x[row * D + layout.continuous + k] = Number(chunk.binary[row * layout.binary + k]);
        let dot = 0;
        for (let d = 0; d < layout.embedding; d++)
          dot +=
            chunk.userEmbedding[row * layout.embedding + d]! *
            chunk.authorEmbedding[row * layout.embedding + d]!;
        x[row * D + D - 1] = dot;
      }
      return x;
    };
    const train = generator.nextChunk(12_000);
    const test = generator.nextChunk(6_000);
    const weights = fitLogisticRegression(
      design(train),
      Array.from(train.labels[t]!, Number),
      D,
      1e-3,
      8,
    );
    const labels = Array.from(test.labels[t]!, Number);
    const fitted = rocAuc(predictLogit(design(test), weights, D, test.rows), labels);
    const oracle = rocAuc(test.logits![t]!, labels);
    // Main effects only (no interaction terms): well above chance, below the Bayes-optimal scorer.
    expect(fitted).toBeGreaterThan(0.75);
    expect(fitted).toBeLessThan(oracle);
  });

  it("takes user/author embeddings from a provided table and plants signal on their dot product", () => {
    const rng = new Rng(21);
    const table = { rows: 300, dim: 8, values: rng.fillNormal(new Float32Array(300 * 8)) };
    const generator = new RankerGenerator({
      seed: 4,
      layout: SMALL,
      userEmbeddings: table,
      affinityShare: 1,
    });
    const chunk = generator.nextChunk(2000);
    const user = Number(chunk.userId[7]);
    expect(Array.from(chunk.userEmbedding.subarray(7 * 16, 7 * 16 + 8))).toEqual(
      Array.from(table.values.subarray(user * 8, user * 8 + 8)),
    );
    expect(Array.from(chunk.userEmbedding.subarray(7 * 16 + 8, 8 * 16))).toEqual(
      new Array(8).fill(0),
    );
    // With all signal on the affinity, each logit is an affine function of the row's dot product.
    const t = generator.model.taskNames.indexOf(FAV);
    const dots = Array.from({ length: chunk.rows }, (_, row) => {
      let dot = 0;
      for (let d = 0; d < 16; d++)
        dot += chunk.userEmbedding[row * 16 + d]! * chunk.authorEmbedding[row * 16 + d]!;
      return dot;
    });
    expect(correlation(dots, Array.from(chunk.logits![t]!))).toBeGreaterThan(0.999);
    expect(
      () =>
        new RankerGenerator({
          seed: 1,
          layout: SMALL,
          userEmbeddings: { rows: 2, dim: 32, values: new Float32Array(64) },
        }),
    ).toThrow(ConfigError);
  });

  it("plants ground-truth community affinity when communities come with the embeddings", () => {
    const rng = new Rng(8);
    const rows = 400;
    const communities = Int32Array.from({ length: rows }, (_, i) => i % 4);
    // Useless (random) embeddings: labels still follow the hidden communities.
    const table = { rows, dim: 16, values: rng.fillNormal(new Float32Array(rows * 16)) };
    const generator = new RankerGenerator({
      seed: 3,
      layout: SMALL,
      userEmbeddings: table,
      userCommunities: communities,
      affinityShare: 1,
      inCommunityRate: 0.5,
      calibrationRows: 2000,
    });
    const chunk = generator.nextChunk(3000);
    const t = generator.model.taskNames.indexOf(FAV);
    let same = 0;
    for (let row = 0; row < chunk.rows; row++) {
      const inside =
        communities[Number(chunk.userId[row])] === communities[Number(chunk.authorId[row])];
      if (inside) same++;
      const logit = chunk.logits![t]![row]!;
      const expected =
        generator.model.intercepts[t]! +
        (generator.model.weights[(t + 1) * generator.model.featureCount - 1]! *
          ((inside ? 1 : 0) - generator.model.affinityMean)) /
          generator.model.affinityStd;
      expect(logit).toBeCloseTo(expected, 9);
    }
    // Half the rows are drawn inside the community, a quarter of the rest by chance.
    expect(same / chunk.rows).toBeGreaterThan(0.55);
    expect(same / chunk.rows).toBeLessThan(0.7);
  });
});

function correlation(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
