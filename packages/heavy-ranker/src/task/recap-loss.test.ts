import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { multiTaskBceWithLogits } from "@tml/training";
import { beforeAll, describe, expect, it } from "vitest";
import { recapTrainingLoss } from "./recap-loss.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const TASKS = ["fav", "reply", "retweet"];
const POS_WEIGHTS = [1, 3, 0.5];

function inputs(rows: number, seed: number) {
  const rng = new Rng(seed);
  const size = rows * TASKS.length;
  // Logits up to ±40: both tails of softplus and the sigmoid are exercised.
  const logits = Float32Array.from(
    { length: size },
    (_, i) => (i % 7 === 0 ? 40 : 4) * (rng.next() * 2 - 1),
  );
  const labels = Float32Array.from({ length: size }, () => (rng.next() < 0.3 ? 1 : 0));
  const weights = Float32Array.from({ length: size }, () =>
    rng.next() < 0.2 ? 0 : rng.next() * 2,
  );
  return {
    logits: tf.tensor2d(logits, [rows, TASKS.length]),
    labels: tf.tensor2d(labels, [rows, TASKS.length]),
    weights: tf.tensor2d(weights, [rows, TASKS.length]),
  };
}

describe("recapTrainingLoss", () => {
  it("hand-worked: one row, two tasks", () => {
    // x = [0, 2], y = [1, 0], w = [1, 0.5], pos_weight = [2, 1]:
    // task 0: 2·softplus(0) = 2·ln 2; task 1: 0.5·(2 + softplus(−2)) = 0.5·(2 + ln(1 + e^−2)).
    const expected = (2 * Math.LN2 + 0.5 * (2 + Math.log1p(Math.exp(-2)))) / 2;
    // d/dx0 = (0 − 2·σ(0))/2 = −0.5; d/dx1 = 0.5·(1 − σ(−2))/2.
    const gradient = [-0.5, (0.5 * (1 - 1 / (1 + Math.exp(2)))) / 2];
    const options = { taskNames: ["a", "b"], posWeights: [2, 1] };
    const labels = tf.tensor2d([[1, 0]]);
    const weights = tf.tensor2d([[1, 0.5]]);
    const f = (x: tf.Tensor) => recapTrainingLoss(x as tf.Tensor2D, labels, weights, options);
    const x = tf.tensor2d([[0, 2]]);
    expect(f(x).dataSync()[0]).toBeCloseTo(expected, 6);
    const grad = tf.grad(f)(x).dataSync();
    expect(grad[0]).toBeCloseTo(gradient[0]!, 6);
    expect(grad[1]).toBeCloseTo(gradient[1]!, 6);
    tf.dispose([labels, weights, x]);
  });

  it("the cpu kernel equals training's multiTaskBceWithLogits: value and gradient", () => {
    const { logits, labels, weights } = inputs(50, 4);
    const options = { taskNames: TASKS, posWeights: POS_WEIGHTS };
    const host = (x: tf.Tensor) => recapTrainingLoss(x as tf.Tensor2D, labels, weights, options);
    const reference = (x: tf.Tensor) =>
      multiTaskBceWithLogits(x as tf.Tensor2D, labels, weights, options).loss;
    const before = tf.memory().numTensors;
    const [hostValue, hostGrad] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad(host)(logits);
      return [value.dataSync()[0]!, grad.dataSync()];
    });
    expect(tf.memory().numTensors).toBe(before);
    const [referenceValue, referenceGrad] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad(reference)(logits);
      return [value.dataSync()[0]!, grad.dataSync()];
    });
    expect(hostValue).toBeCloseTo(referenceValue, 5);
    for (const [index, value] of referenceGrad.entries()) {
      expect(Math.abs(hostGrad[index]! - value)).toBeLessThan(1e-7 + 1e-5 * Math.abs(value));
    }
    tf.dispose([logits, labels, weights]);
  });

  it("checks shapes", () => {
    const { logits, labels, weights } = inputs(4, 1);
    expect(() =>
      recapTrainingLoss(logits, labels, weights, {
        taskNames: ["a"],
        posWeights: [1],
      }),
    ).toThrow(/logits must be \[B, 1\]/);
    const short = tf.zeros([2, TASKS.length]) as tf.Tensor2D;
    expect(() =>
      recapTrainingLoss(logits, short, weights, {
        taskNames: TASKS,
        posWeights: POS_WEIGHTS,
      }),
    ).toThrow(/shaped like the logits/);
    short.dispose();
    tf.dispose([logits, labels, weights]);
  });
});
