import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { setFlag } from "@tml/core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerEngineKernels } from "../engine-kernels.js";
import { registerFastKernels } from "../fast-kernels.js";
import { registerGradients } from "../gradients.js";
import { prepareWasmBackend } from "../wasm-backend.js";
import { dropoutWithDraws } from "./dropout.js";
import { type LinearActivation, linear } from "./linear.js";
import { multiply } from "./multiply.js";

function fixed(shape: number[], offset: number): tf.Tensor {
  const size = shape.reduce((total, dim) => total * dim, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++) values[index] = Math.sin(index * 1.3 + offset * 2.7);
  return tf.tensor(values, shape);
}

// y and the gradients of Σ y ⊙ probe with respect to x, weight and bias.
function valueAndGrads(activation: LinearActivation, fused: boolean): tf.Tensor[] {
  const previous = setFlag("TML_FUSED_OPS", fused);
  try {
    return tf.tidy(() => {
      const x = fixed([5, 4], 1) as tf.Tensor2D;
      const weight = fixed([3, 4], 2) as tf.Tensor2D;
      const bias = fixed([3], 3) as tf.Tensor1D;
      const probe = fixed([5, 3], 4);
      const f = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.mul(linear(a as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D, activation), probe),
        );
      return [linear(x, weight, bias, activation), ...tf.grads(f)([x, weight, bias])];
    });
  } finally {
    setFlag("TML_FUSED_OPS", previous);
  }
}

for (const backendName of ["cpu", "wasm"]) {
  describe(`linear on ${backendName}`, () => {
    beforeAll(async () => {
      if (backendName === "wasm") {
        await prepareWasmBackend();
        registerFastKernels();
      }
      registerEngineKernels();
      await tf.setBackend(backendName);
      await registerGradients();
    });

    it("computes x · Wᵀ + b then relu (hand-worked)", () => {
      tf.tidy(() => {
        const y = linear(
          tf.tensor2d([[1, 0, -1]]),
          tf.tensor2d([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          tf.tensor1d([0.5, 3]),
          "relu",
        );
        expect(y.shape).toEqual([1, 2]);
        expect(Array.from(y.dataSync())).toEqual([0, 1]);
      });
    });

    for (const activation of ["linear", "relu"] as const) {
      it(`${activation}: value and gradients match tfjs's fused matMul`, () => {
        const before = tf.memory().numTensors;
        const fused = valueAndGrads(activation, true);
        const stock = valueAndGrads(activation, false);
        fused.forEach((tensor, index) => {
          const expected = stock[index] as tf.Tensor;
          expect(tensor.shape).toEqual(expected.shape);
          const a = tensor.dataSync();
          const b = expected.dataSync();
          for (let entry = 0; entry < a.length; entry++)
            expect(Math.abs(a[entry]! - b[entry]!), `output ${index}[${entry}]`).toBeLessThan(1e-5);
        });
        tf.dispose([...fused, ...stock]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }

    it("differentiates only the operands that need it and keeps memory flat", () => {
      const weight = tf.variable(fixed([3, 4], 5) as tf.Tensor2D);
      const bias = tf.variable(fixed([3], 6) as tf.Tensor1D);
      const x = fixed([6, 4], 7) as tf.Tensor2D;
      const step = () => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.square(linear(x, weight, bias, "relu"))),
          [weight, bias],
        );
        expect(Object.keys(grads).sort()).toEqual([bias.name, weight.name].sort());
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let index = 0; index < 3; index++) step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([weight, bias, x]);
    });

    it("multiply's value and gradients are the product rule (hand-worked), leak-free", () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const a = tf.tensor2d([[1, -2, 3]]);
        const b = tf.tensor2d([[4, 5, -6]]);
        expect(Array.from(multiply(a, b).dataSync())).toEqual([4, -10, -18]);
        const probe = tf.tensor2d([[1, 2, 3]]);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(multiply(x, y), probe)),
        )([a, b]);
        expect(Array.from(da!.dataSync())).toEqual([4, 10, -18]);
        expect(Array.from(db!.dataSync())).toEqual([1, -4, 9]);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(() => tf.tidy(() => multiply(tf.zeros([2, 3]), tf.zeros([3]) as tf.Tensor))).toThrow(
        /no broadcasting/,
      );
    });

    it("dropoutWithDraws equals the cast-and-multiply chain, gradient included", () => {
      const before = tf.memory().numTensors;
      const run = (fused: boolean) => {
        const previous = setFlag("TML_FUSED_OPS", fused);
        try {
          return tf.tidy(() => {
            const x = fixed([4, 5], 8);
            const draws = tf.randomUniform([4, 5], 0, 1, "float32", 3);
            const probe = fixed([4, 5], 9);
            const f = (input: tf.Tensor) =>
              tf.sum(tf.mul(dropoutWithDraws(input, draws, 0.3), probe));
            return [dropoutWithDraws(x, draws, 0.3), tf.grad(f)(x)].map((t) =>
              Array.from(t.dataSync()),
            );
          });
        } finally {
          setFlag("TML_FUSED_OPS", previous);
        }
      };
      const [fusedY, fusedGrad] = run(true);
      const [stockY, stockGrad] = run(false);
      expect(fusedY).toEqual(stockY);
      expect(fusedGrad).toEqual(stockGrad);
      const dropped = (fusedY as number[]).filter((value) => value === 0).length;
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThan(20);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
