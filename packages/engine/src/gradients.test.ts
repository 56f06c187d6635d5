import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerGradients } from "./gradients.js";

describe("registerGradients", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("makes tf.grad work: d/dx Σ x² = 2x, and is idempotent", async () => {
    await registerGradients();
    await registerGradients();
    expect(tf.getGradient("Square")).toBeDefined();
    const x = tf.tensor1d([1, -2, 3]);
    const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
    expect(Array.from(gradient.dataSync())).toEqual([2, -4, 6]);
    tf.dispose([x, gradient]);
  });
});
