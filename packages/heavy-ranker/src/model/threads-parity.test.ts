import * as tf from "@tensorflow/tfjs-core";
import { Rng, setFlag, silentLogger } from "@tml/core";
import { matMulRouteCounts, registerGradients, selectEngine } from "@tml/engine";
import { multiTaskBceWithLogits } from "@tml/training";
import { afterAll, describe, expect, it } from "vitest";
import { fixedTensor } from "./gradient-check.test-helper.js";
import { buildLocalSmall } from "./local-small.test-helper.js";
import type { MultiTaskRankingModel } from "./ranking-model.js";

// The one-core result equality check: a training step of local_small's architecture on the default
// engine gives the same logits, loss and gradients on 2 threads as on 1, up to float summation
// order (onnxruntime splits each product's rows across threads; no result depends on timing).

function trainStep(model: MultiTaskRankingModel, rows: number) {
  return tf.tidy(() => {
    const features = {
      continuous: fixedTensor(rows, 64, 1, 20),
      binary: tf.cast(tf.greater(fixedTensor(rows, 59, 2), 0.3), "float32") as tf.Tensor2D,
      discrete: tf.zeros([rows, 1], "int32") as tf.Tensor2D,
      userEmbedding: fixedTensor(rows, 200, 3),
      userEngEmbedding: fixedTensor(rows, 200, 4),
      authorEmbedding: fixedTensor(rows, 200, 5),
    };
    const labels = tf.cast(
      tf.greater(fixedTensor(rows, model.taskNames.length, 6), 0),
      "float32",
    ) as tf.Tensor2D;
    const weights = tf.onesLike(labels);
    let logits = tf.zeros([0]);
    const { value, grads } = tf.variableGrads(() => {
      const outputs = model.apply(features, { training: true, rng: new Rng(9) });
      logits = tf.keep(outputs.logits);
      return multiTaskBceWithLogits(outputs.logits, labels, weights, {
        taskNames: model.taskNames,
      }).loss;
    }, model.trainableVariables());
    const result = {
      loss: value.dataSync()[0]!,
      logits: logits.dataSync() as Float32Array,
      grads: Object.values(grads).map((grad) => grad.dataSync() as Float32Array),
    };
    logits.dispose();
    return result;
  });
}

async function stepOn(threads: number, rows: number) {
  setFlag("TML_ENGINE_THREADS", threads);
  const engine = await selectEngine({ device: "wasm", logger: silentLogger });
  await registerGradients();
  expect(engine.threads).toBe(threads);
  expect(engine.kernels?.threads).toBe(threads);
  const before = matMulRouteCounts().onnxruntime;
  const model = buildLocalSmall();
  try {
    const result = trainStep(model, rows);
    return { ...result, ortProducts: matMulRouteCounts().onnxruntime - before };
  } finally {
    model.dispose();
  }
}

function maxRelativeDifference(actual: Float32Array, expected: Float32Array): number {
  let scale = 0;
  for (const value of expected) scale = Math.max(scale, Math.abs(value));
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(scale, 1e-6));
  return worst;
}

describe("a training step on 2 threads against 1 thread (default engine)", () => {
  afterAll(() => {
    setFlag("TML_ENGINE_THREADS", 1);
  });

  it.each([512, 16])(
    "gives the same loss, logits and gradients up to summation order (batch %i)",
    async (rows) => {
      const one = await stepOn(1, rows);
      const two = await stepOn(2, rows);
      expect(one.ortProducts).toBeGreaterThan(0);
      expect(two.ortProducts).toBe(one.ortProducts);
      expect(Math.abs(two.loss - one.loss)).toBeLessThan(1e-4 * Math.abs(one.loss));
      expect(maxRelativeDifference(two.logits, one.logits)).toBeLessThan(2e-4);
      expect(two.grads.length).toBe(one.grads.length);
      // A bias in front of a batch norm has a zero gradient: both runs give rounding noise,
      // judged against the largest gradient of the model rather than its own size.
      let largest = 0;
      for (const grad of one.grads)
        for (const value of grad) largest = Math.max(largest, Math.abs(value));
      one.grads.forEach((grad, index) => {
        let scale = 0;
        for (const value of grad) scale = Math.max(scale, Math.abs(value));
        if (scale < 1e-4 * largest) {
          for (const value of two.grads[index]!)
            expect(Math.abs(value)).toBeLessThan(1e-4 * largest);
          return;
        }
        expect(maxRelativeDifference(two.grads[index]!, grad), `gradient ${index}`).toBeLessThan(
          1e-3,
        );
      });
    },
  );
});
