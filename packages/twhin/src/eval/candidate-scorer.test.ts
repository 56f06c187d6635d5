import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { kernelProducts, tfjsProducts } from "../kernels/dense-products.js";
import { referenceKernels } from "../testing/reference-kernels.js";
import { CandidateScorer } from "./candidate-scorer.js";

beforeAll(async () => {
  await setupTestBackend();
});

const random = (n: number, seed: number) => new Rng(seed).fillUniform(new Float32Array(n), -1, 1);

describe("tfjs-routed products equal the JS loops", () => {
  it("CandidateScorer (query-major output, tiled transpose)", async () => {
    const [rows, dim, q] = [70, 5, 37];
    const data = random(rows * dim, 1);
    const queries = random(q * dim, 2);
    const expected = new Float32Array(q * rows);
    const actual = new Float32Array(q * rows);
    await new CandidateScorer(data, rows, dim, false).score(queries, q, expected);
    const before = tf.memory().numTensors;
    const scorer = new CandidateScorer(data, rows, dim, true);
    await scorer.score(queries, q, actual);
    scorer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 4);
  });

  it("DenseProducts: scores, query and candidate gradients", async () => {
    const [n, m, k] = [9, 13, 6];
    const a = random(n * k, 3);
    const c = random(m * k, 4);
    const g = random(n * m, 5);
    const loops = kernelProducts(referenceKernels());
    const results = await Promise.all(
      [loops, tfjsProducts(loops, 0)].map(async (p) => {
        const s = new Float32Array(n * m);
        const dA = new Float32Array(n * k);
        const dC = new Float32Array(m * k);
        await p.scores(a, n, c, m, k, { data: s, offset: 0, stride: m });
        await p.gradQueries({ data: g, offset: 0, stride: m }, n, m, c, k, dA);
        await p.gradCandidates({ data: g, offset: 0, stride: m }, n, m, a, k, dC);
        return [s, dA, dC];
      }),
    );
    results[0]!.forEach((array, index) => {
      for (let i = 0; i < array.length; i++)
        expect(results[1]![index]![i]).toBeCloseTo(array[i]!, 4);
    });
  });
});
