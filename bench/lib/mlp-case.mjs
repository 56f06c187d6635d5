// Shared body of the MLP proxy cases: one Adam step (train) or one forward pass (infer) on a
// fixed random batch of 512.
import { buildMlp, forwardFlops, randomBatch } from "./mlp-proxy.mjs";
import { selectBenchEngine, tf } from "./tf.mjs";

export const BATCH = 512;

export function mlpCase(layers, mode) {
  let mlp;
  let batch;
  return {
    gflopsPerRun: ((mode === "train" ? 3 : 1) * forwardFlops(layers, BATCH)) / 1e9,
    async setup() {
      const engine = await selectBenchEngine();
      mlp = buildMlp(layers);
      batch = randomBatch(layers[0], BATCH);
      return { engine };
    },
    async run() {
      const start = performance.now();
      if (mode === "train") {
        mlp.step(batch.x, batch.y);
      } else {
        const scores = tf.tidy(() => tf.sigmoid(mlp.forward(batch.x, false)));
        scores.dataSync();
        scores.dispose();
      }
      return performance.now() - start;
    },
    async teardown() {
      mlp.dispose();
      tf.dispose([batch.x, batch.y]);
    },
  };
}
