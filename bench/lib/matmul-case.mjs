// Shared body of the matmul cases: GFLOP/s of one [n,n]·[n,n] product (optionally aᵀ·b).
import { selectBenchEngine, tf } from "./tf.mjs";

export function matmulCase(size, transposeA) {
  let a;
  let b;
  return {
    async setup() {
      const engine = await selectBenchEngine();
      a = tf.randomNormal([size, size]);
      b = tf.randomNormal([size, size]);
      return { engine };
    },
    async run() {
      const start = performance.now();
      const product = tf.matMul(a, b, transposeA, false);
      product.dataSync();
      const seconds = (performance.now() - start) / 1000;
      product.dispose();
      return (2 * size ** 3) / seconds / 1e9;
    },
    async teardown() {
      tf.dispose([a, b]);
    },
  };
}
