import * as tf from "@tensorflow/tfjs-core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { bceWithLogits } from "./bce-with-logits.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

describe("bceWithLogits", () => {
  it("matches −[y log σ(x) + (1−y) log(1−σ(x))] and stays finite for large |x|", () => {
    const logits = tf.tensor1d([0, 2, -100, 100, 100]);
    const labels = tf.tensor1d([1, 0, 1, 0, 1]);
    const loss = bceWithLogits(logits, labels, { reduction: "none" });
    // ln 2; softplus(2) = ln(1 + e²); −log σ(−100) ≈ 100; −log(1 − σ(100)) ≈ 100; −log σ(100) ≈ 0.
    const expected = [Math.LN2, Math.log(1 + Math.exp(2)), 100, 100, 0];
    const values = loss.dataSync();
    for (const [i, value] of expected.entries()) expect(values[i]).toBeCloseTo(value, 4);
    tf.dispose([logits, labels, loss]);
  });

  it("applies pos_weight to the positive term only, weights per element, and reductions", () => {
    const logits = tf.tensor1d([0.5, 0.5]);
    const labels = tf.tensor1d([1, 0]);
    const weights = tf.tensor1d([1, 0.5]);
    const positive = 3 * Math.log(1 + Math.exp(-0.5)); // 3·softplus(−0.5)
    const negative = Math.log(1 + Math.exp(0.5)); // softplus(0.5)
    const none = bceWithLogits(logits, labels, { posWeight: 3, reduction: "none" });
    expect(none.dataSync()[0]).toBeCloseTo(positive, 5);
    expect(none.dataSync()[1]).toBeCloseTo(negative, 5);
    const mean = bceWithLogits(logits, labels, { posWeight: 3, weights });
    expect(mean.dataSync()[0]).toBeCloseTo((positive + 0.5 * negative) / 2, 5);
    const sum = bceWithLogits(logits, labels, { weights, reduction: "sum" });
    expect(sum.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-0.5)) + 0.5 * negative, 5);
    tf.dispose([logits, labels, weights, none, mean, sum]);
  });

  it("has gradient σ(x) − y (finite at extreme logits)", () => {
    const logits = tf.tensor1d([-3, 0, 4, 80, -80]);
    const labels = tf.tensor1d([1, 0, 1, 0, 1]);
    const gradient = tf.grad((x: tf.Tensor) => bceWithLogits(x, labels, { reduction: "sum" }))(
      logits,
    );
    const values = gradient.dataSync();
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    [-3, 0, 4, 80, -80].forEach((x, i) => {
      expect(values[i]).toBeCloseTo(sigmoid(x) - [1, 0, 1, 0, 1][i]!, 5);
    });
    tf.dispose([logits, labels, gradient]);
  });
});
