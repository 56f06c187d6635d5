import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { clusterPurity } from "./cluster-purity.js";

describe("clusterPurity", () => {
  it("is 1 for well-separated clusters and near chance for noise", () => {
    const rng = new Rng(3);
    const n = 200;
    const dim = 8;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 4);
    const separated = new Float32Array(n * dim);
    const noise = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < dim; d++) {
        separated[i * dim + d] = (d === labels[i]! ? 5 : 0) + 0.3 * rng.normal();
        noise[i * dim + d] = rng.normal();
      }
    }
    expect(clusterPurity(separated, dim, labels)).toBe(1);
    expect(clusterPurity(noise, dim, labels)).toBeLessThan(0.45);
  });
});
