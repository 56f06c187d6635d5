import { appendFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { selectEngine } from "@tml/core";
import { it } from "vitest";

const log = (line: string) => appendFileSync("/tmp/tw/mm2.log", `${line}\n`);
it("mm2", async () => {
  await selectEngine({ device: "auto", gradients: false });
  log(`PROD ${tf.env().getBool("PROD")} DEBUG ${tf.env().getBool("DEBUG")} NODE_ENV ${process.env.NODE_ENV}`);
  const n = 1000, m = 512, k = 128;
  const a = new Float32Array(n * k).map(() => Math.random());
  const b = new Float32Array(k * m).map(() => Math.random());
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    const x = tf.tensor2d(a, [n, k]);
    const y = tf.tensor2d(b, [k, m]);
    const t1 = performance.now() - t; t = performance.now();
    const z = tf.matMul(x, y);
    const t2 = performance.now() - t; t = performance.now();
    z.dataSync();
    const t3 = performance.now() - t;
    log(`create ${t1.toFixed(1)} matmul ${t2.toFixed(1)} dataSync ${t3.toFixed(1)}`);
    tf.dispose([x, y, z]);
  }
  tf.env().set("PROD", true);
  for (let rep = 0; rep < 2; rep++) {
    let t = performance.now();
    const x = tf.tensor2d(a, [n, k]);
    const y = tf.tensor2d(b, [k, m]);
    const z = tf.matMul(x, y);
    z.dataSync();
    log(`PROD total ${(performance.now() - t).toFixed(1)}`);
    tf.dispose([x, y, z]);
  }
});
it("mm3", async () => {
  const { createTfProducts } = await import("../src/model/dense-products.js");
  const p = createTfProducts();
  const n = 1000, m = 512, k = 128;
  const a = new Float32Array(n * k).map(() => Math.random());
  const c = new Float32Array(m * k).map(() => Math.random());
  const s = new Float32Array(n * m);
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    p.scores(a, n, c, m, k, { data: s, offset: 0, stride: m });
    log(`scores ${(performance.now() - t).toFixed(1)} backend ${tf.getBackend()}`);
  }
});
