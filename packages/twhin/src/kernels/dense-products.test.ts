import { Rng } from "@tml/core";
import { loadPlatformBlas } from "@tml/engine";
import { describe, expect, it } from "vitest";
import { referenceKernels } from "../testing/reference-kernels.js";
import { blasProducts, kernelProducts } from "./dense-products.js";

const random = (n: number, seed: number) => new Rng(seed).fillUniform(new Float32Array(n), -1, 1);
const blas = loadPlatformBlas(1);

describe("platform BLAS products equal the JS loops", () => {
  it.skipIf(!blas.ok)(
    "scores into a strided block, and gradients accumulated from a strided G",
    async () => {
      const [n, m, k] = [9, 13, 6];
      // S and G live in a wider matrix (stride 20, from column 3), as the step's score blocks do.
      const [stride, offset] = [20, 3];
      const a = random(n * k, 3);
      const c = random(m * k, 4);
      const g = random(n * stride, 5);
      const loops = kernelProducts(referenceKernels());
      const products = blasProducts(blas.ok ? blas.blas : (undefined as never), loops, 0);
      const results = await Promise.all(
        [loops, products].map(async (p) => {
          const s = new Float32Array(n * stride).fill(7);
          const dA = random(n * k, 6);
          const dC = random(m * k, 7);
          await p.scores(a, n, c, m, k, { data: s, offset, stride });
          await p.gradQueries({ data: g, offset, stride }, n, m, c, k, dA);
          await p.gradCandidates({ data: g, offset, stride }, n, m, a, k, dC);
          return [s, dA, dC];
        }),
      );
      results[0]!.forEach((array, index) => {
        for (let i = 0; i < array.length; i++)
          expect(results[1]![index]![i], `output ${index}[${i}]`).toBeCloseTo(array[i]!, 5);
      });
      // Columns of S outside the block are untouched.
      expect(results[1]![0]![0]).toBe(7);
    },
  );
});
