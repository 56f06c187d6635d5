import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";

/**
 * Checks the analytic gradient of scalar `loss()` with respect to each variable against central
 * finite differences (float32; `step` perturbation; a few sampled entries per variable).
 */
export function expectGradientsMatchFiniteDifferences(
  loss: () => tf.Tensor,
  variables: tf.Variable[],
  options: { step?: number; tolerance?: number; samples?: number } = {},
): void {
  const step = options.step ?? 1e-2;
  const tolerance = options.tolerance ?? 2e-2;
  const samples = options.samples ?? 6;
  const { value, grads } = tf.variableGrads(loss as () => tf.Scalar, variables);
  value.dispose();
  try {
    for (const variable of variables) {
      const analytic = grads[variable.name]?.dataSync() as Float32Array;
      expect(analytic, `gradient of ${variable.name}`).toBeDefined();
      const original = variable.dataSync().slice() as Float32Array;
      const stride = Math.max(1, Math.floor(original.length / samples));
      let checked = 0;
      for (
        let index = 0;
        index < original.length && checked < samples;
        index += stride, checked++
      ) {
        const evaluate = (delta: number) => {
          const values = original.slice();
          values[index] = (values[index] as number) + delta;
          tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
          return tf.tidy(() => loss().dataSync()[0] as number);
        };
        const numeric = (evaluate(step) - evaluate(-step)) / (2 * step);
        tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
        const expected = analytic[index] as number;
        const scale = Math.max(1e-2, Math.abs(expected), Math.abs(numeric));
        expect(
          Math.abs(expected - numeric) / scale,
          `${variable.name}[${index}]: analytic ${expected} vs numeric ${numeric}`,
        ).toBeLessThan(tolerance);
      }
    }
  } finally {
    for (const gradient of Object.values(grads)) gradient.dispose();
  }
}

/** A fixed pseudo-random [rows, cols] float32 tensor (sin-based, no RNG state). */
export function fixedTensor(rows: number, cols: number, offset = 0, scale = 1): tf.Tensor2D {
  const values = new Float32Array(rows * cols);
  for (let index = 0; index < values.length; index++)
    values[index] = Math.sin(index * 1.7 + offset * 3.1 + 0.3) * scale;
  return tf.tensor2d(values, [rows, cols]);
}

/** Moves every variable off its (degenerate) initial values: zero biases would kill ReLUs and LN variance. */
export function randomizeVariables(variables: tf.Variable[], scale = 0.5): void {
  variables.forEach((variable, offset) => {
    tf.tidy(() => {
      const values = new Float32Array(variable.size);
      for (let index = 0; index < values.length; index++)
        values[index] = Math.sin(index * 2.3 + offset * 1.9 + 0.7) * scale;
      variable.assign(tf.tensor(values, variable.shape));
    });
  });
}
