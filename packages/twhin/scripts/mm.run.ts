import { appendFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { selectEngine } from "@tml/core";
import { it } from "vitest";
import { createTfProducts, jsProducts } from "../src/model/dense-products.js";

const log = (line: string) => appendFileSync("/tmp/tw/mm.log", `${line}\n`);
it("mm", async () => {
  await selectEngine({ device: process.env.DEVICE ?? "auto", gradients: false, ...(process.env.NOFAST ? { fastKernels: false } : {}) });
  log(`my tf backend ${tf.getBackend()} version ${tf.version_core}`);
  const n = 1000, m = 512, k = 128;
  const a = new Float32Array(n * k).map(() => Math.random());
  const c = new Float32Array(m * k).map(() => Math.random());
  const s = new Float32Array(n * m);
  const dA = new Float32Array(n * k);
  const dC = new Float32Array(m * k);
  for (const [name, p] of [["tf", createTfProducts()], ["js", jsProducts]] as const) {
    for (let rep = 0; rep < 2; rep++) {
      let t = performance.now();
      p.scores(a, n, c, m, k, { data: s, offset: 0, stride: m });
      const t1 = performance.now() - t; t = performance.now();
      p.gradQueries({ data: s, offset: 0, stride: m }, n, m, c, k, dA);
      const t2 = performance.now() - t; t = performance.now();
      p.gradCandidates({ data: s, offset: 0, stride: m }, n, m, a, k, dC);
      const t3 = performance.now() - t;
      log(`${name} scores ${t1.toFixed(1)} gradQ ${t2.toFixed(1)} gradC ${t3.toFixed(1)} ms`);
    }
  }
});
