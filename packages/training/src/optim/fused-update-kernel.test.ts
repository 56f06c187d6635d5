import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import {
  FUSED_ACCUMULATE_KERNEL,
  FUSED_UPDATE_KERNEL,
  fusedUpdateUsesSimd,
  prepareWasmBackend,
} from "@tml/engine";
import { setupTestBackend, withoutKernels } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DenseOptimizer, type DenseOptimizerOptions } from "./dense-optimizer.js";
import type { OptimizerAlgorithm } from "./optimizer-config.js";

// Shapes with element counts that are and are not multiples of 4 (SIMD quads plus a scalar tail).
const SHAPES = [[7, 5], [16], [3], [2, 3, 2]];
const STEPS = 6;

const ALGORITHMS: [string, OptimizerAlgorithm][] = [
  ["adam", { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
  ["sgd", { kind: "sgd", momentum: 0 }],
  ["sgd momentum", { kind: "sgd", momentum: 0.9 }],
  ["adagrad", { kind: "adagrad", epsilon: 0 }],
];

interface Trace {
  parameters: Float32Array[];
  state: Record<string, Float32Array>;
  json: unknown;
}

// Trains SHAPES variables for STEPS steps on seeded gradients (one variable skipped on odd steps,
// as variables without a gradient are) and returns the final parameters and optimizer state:
// `fused` on the engine's update kernels, `tensor` on the op's tfjs-op path (kernels removed).
async function train(
  implementation: "fused" | "tensor",
  algorithm: OptimizerAlgorithm,
  extra: Partial<DenseOptimizerOptions> = {},
): Promise<Trace> {
  const start = tf.memory().numTensors;
  const { optimizer, variables } =
    implementation === "fused"
      ? trainSteps(implementation, algorithm, extra)
      : withoutKernels([FUSED_UPDATE_KERNEL, FUSED_ACCUMULATE_KERNEL], () =>
          trainSteps(implementation, algorithm, extra),
        );
  const state = await optimizer.getState();
  const trace: Trace = {
    parameters: variables.map((variable) => variable.dataSync() as Float32Array),
    state: Object.fromEntries(
      Object.entries(state.arrays).map(([key, array]) => [key, array.data as Float32Array]),
    ),
    json: state.json,
  };
  if (!extra.gradientAccumulation) {
    expect(state.json).toMatchObject({ updates: { v0: STEPS, v3: STEPS / 2 } });
  }
  optimizer.dispose();
  tf.dispose(variables);
  expect(tf.memory().numTensors).toBe(start);
  return trace;
}

function trainSteps(
  implementation: "fused" | "tensor",
  algorithm: OptimizerAlgorithm,
  extra: Partial<DenseOptimizerOptions>,
): { optimizer: DenseOptimizer; variables: tf.Variable[] } {
  const rng = new Rng(11);
  const variables = SHAPES.map((shape, index) => {
    const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal());
    const name = `fused_test_${implementation}_${index}_${Math.random().toString(36).slice(2)}`;
    return tf.tidy(() => tf.variable(tf.tensor(values, shape), true, name));
  });
  const optimizer = new DenseOptimizer({
    algorithm,
    groups: [
      { name: "a", variables: variables.slice(0, 2), learningRate: { constant: 0.05 } },
      {
        name: "b",
        variables: variables.slice(2),
        learningRate: { linear_ramp_to_constant: { learning_rate: 0.2, num_ramp_steps: 4 } },
      },
    ],
    stateKeyOf: (variable) => `v${variables.indexOf(variable)}`,
    ...extra,
  });
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  for (let step = 0; step < STEPS; step++) {
    tf.tidy(() => {
      const gradients = new Map<string, tf.Tensor>();
      for (const [index, variable] of variables.entries()) {
        if (index === 3 && step % 2 === 1) continue;
        const values = Float32Array.from({ length: variable.size }, () => rng.normal() * 2);
        gradients.set(variable.name, tf.tensor(values, variable.shape));
      }
      optimizer.step(gradients);
    });
    // Flat, except for the gradients an accumulating optimizer holds between updates.
    if (!extra.gradientAccumulation) {
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(bytesBefore);
    }
  }
  return { optimizer, variables };
}

/** `tolerance` 0: bitwise equal (same float32 roundings in the same order). */
function expectSameTrace(actual: Trace, expected: Trace, tolerance = 0): void {
  const check = (left: Float32Array, right: Float32Array) => {
    expect(left.length).toBe(right.length);
    if (tolerance === 0) {
      expect([...left]).toEqual([...right]);
      return;
    }
    for (let index = 0; index < left.length; index++) {
      expect(Math.abs(left[index]! - right[index]!)).toBeLessThan(
        tolerance * (1 + Math.abs(right[index]!)),
      );
    }
  };
  actual.parameters.forEach((values, index) => {
    check(values, expected.parameters[index]!);
  });
  expect(actual.json).toEqual(expected.json);
  expect(Object.keys(actual.state).sort()).toEqual(Object.keys(expected.state).sort());
  for (const [key, values] of Object.entries(expected.state)) check(actual.state[key]!, values);
}

describe.each(["cpu", "wasm"])("fused update on %s equals the tensor reference", (backend) => {
  beforeAll(async () => {
    await setupTestBackend();
    await prepareWasmBackend();
    await tf.setBackend(backend);
    await tf.ready();
  });
  afterAll(async () => {
    await tf.setBackend("cpu");
  });

  it(`runs ${backend === "wasm" ? "SIMD loops" : "typed-array loops"}`, () => {
    expect(fusedUpdateUsesSimd()).toBe(backend === "wasm");
  });

  it.each(ALGORITHMS)(
    "%s over several steps, two groups, a skipped variable",
    async (_, algorithm) => {
      expectSameTrace(await train("fused", algorithm), await train("tensor", algorithm));
    },
  );

  it.each(ALGORITHMS)("%s with global-norm clipping", async (_, algorithm) => {
    const options = { clipGlobalNorm: 3 };
    const fused = await train("fused", algorithm, options);
    // The seeded gradients' norms exceed 3, so clipping changes the parameters.
    const unclipped = await train("fused", algorithm);
    expect(fused.parameters[0]).not.toEqual(unclipped.parameters[0]);
    // The norm is summed in float64 here, in float32 by the tensor path: scales differ by ~1 ulp.
    expectSameTrace(fused, await train("tensor", algorithm, options), 1e-5);
  });

  it("adam with gradient accumulation (original parity)", async () => {
    const options = { gradientAccumulation: { steps: 3, parity: "original" as const } };
    const algorithm = ALGORITHMS[0]![1];
    expectSameTrace(
      await train("fused", algorithm, options),
      await train("tensor", algorithm, options),
    );
  });

  it("one kernel call per step, whatever the number of variables", async () => {
    const theta = SHAPES.map((shape) => tf.tidy(() => tf.variable(tf.ones(shape))));
    const optimizer = new DenseOptimizer({
      algorithm: ALGORITHMS[0]![1],
      groups: [{ name: "all", variables: theta, learningRate: { constant: 0.1 } }],
    });
    const gradients = new Map(theta.map((variable) => [variable.name, tf.onesLike(variable)]));
    const profile = await tf.profile(() => {
      optimizer.step(gradients);
    });
    expect(profile.kernels.map((kernel) => kernel.name)).toEqual(["TmlFusedOptimizerUpdate"]);
    // Adam's first step moves every weight by −lr·sign(g) (bias-corrected m/√v = 1).
    for (const variable of theta) {
      for (const value of variable.dataSync()) expect(value).toBeCloseTo(0.9, 5);
    }
    optimizer.dispose();
    tf.dispose([...theta, ...gradients.values()]);
  });

  it("accumulates every gradient in one kernel call, then updates in one", async () => {
    const theta = SHAPES.map((shape) => tf.tidy(() => tf.variable(tf.ones(shape))));
    const optimizer = new DenseOptimizer({
      algorithm: ALGORITHMS[1]![1],
      groups: [{ name: "all", variables: theta, learningRate: { constant: 0.5 } }],
      gradientAccumulation: { steps: 2 },
    });
    const gradients = new Map(theta.map((variable) => [variable.name, tf.onesLike(variable)]));
    // tf.profile reuses one record: take the names before profiling again.
    const kernelsOf = async (run: () => void) => (await tf.profile(run)).kernels.map((k) => k.name);
    expect(await kernelsOf(() => optimizer.step(gradients))).toEqual(["TmlFusedAccumulate"]);
    expect(await kernelsOf(() => optimizer.step(gradients))).toEqual([
      "TmlFusedAccumulate",
      "TmlFusedOptimizerUpdate",
    ]);
    // Mean of two unit gradients, SGD at 0.5: 1 − 0.5.
    for (const variable of theta) {
      for (const value of variable.dataSync()) expect(value).toBe(0.5);
    }
    optimizer.dispose();
    tf.dispose([...theta, ...gradients.values()]);
  });
});
