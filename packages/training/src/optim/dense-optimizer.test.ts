import * as tf from "@tensorflow/tfjs-core";
import { ConfigError, TmlError } from "@tml/core";
import { FUSED_ACCUMULATE_KERNEL, FUSED_UPDATE_KERNEL, registerEngineKernels } from "@tml/engine";
import { setupTestBackend, withoutKernels } from "@tml/engine/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DenseOptimizer,
  type DenseOptimizerOptions,
  type GradientMap,
  type OptimizerStepResult,
} from "./dense-optimizer.js";
import { accumulationAction } from "./gradient-accumulation.js";
import type { OptimizerAlgorithm } from "./optimizer-config.js";

// The engine's optimizer-update kernels; without them the update runs as tfjs ops.
const UPDATE_KERNELS = [FUSED_UPDATE_KERNEL, FUSED_ACCUMULATE_KERNEL];

const GRADIENTS = [
  [0.5, 0.1],
  [-1.0, 0.2],
  [2.0, -0.3],
];

let created: tf.Variable[] = [];
function variable(values: number[], name: string): tf.Variable {
  const unique = `${name}_${Math.random().toString(36).slice(2)}`;
  const v = tf.tidy(() => tf.variable(tf.tensor1d(values), true, unique));
  created.push(v);
  return v;
}

function run(algorithm: OptimizerAlgorithm, learningRate = 0.1): number[][] {
  const theta = variable([1.0, -2.0], "theta");
  const optimizer = new DenseOptimizer({
    algorithm,
    groups: [{ name: "all", variables: [theta], learningRate: { constant: learningRate } }],
  });
  const trajectory: number[][] = [];
  for (const values of GRADIENTS) {
    const gradient = tf.tensor1d(values);
    optimizer.step(new Map([[theta.name, gradient]]));
    gradient.dispose();
    trajectory.push([...theta.dataSync()]);
  }
  optimizer.dispose();
  return trajectory;
}

/** One optimizer step on gradients built (and freed) inside a tidy scope. */
function stepTidy(optimizer: DenseOptimizer, make: () => GradientMap): OptimizerStepResult {
  let result: OptimizerStepResult | undefined;
  tf.tidy(() => {
    result = optimizer.step(make());
  });
  return result!;
}

function expectClose(actual: number[][], expected: number[][], digits = 5): void {
  for (const [i, row] of actual.entries()) {
    for (const [j, x] of row.entries()) expect(x).toBeCloseTo(expected[i]![j]!, digits);
  }
}

beforeAll(setupTestBackend);
afterEach(() => {
  for (const v of created) v.dispose();
  created = [];
});

describe.each(["fused", "tensor"] as const)("%s implementation", (which) => {
  beforeAll(() => {
    if (which === "tensor") {
      for (const kernelName of UPDATE_KERNELS) tf.unregisterKernel(kernelName, tf.getBackend());
    }
  });
  afterAll(registerEngineKernels);

  describe("DenseOptimizer update rules (hand-computed, θ0 = [1, -2], lr 0.1)", () => {
    it("Adam with PyTorch bias correction, ε after the square root", () => {
      // Step 1: m = 0.05, v = 0.00025, m̂/√v̂ = 0.5/0.5 = 1 → θ = 0.9 (and -2.1 for the second entry).
      // Step 2: m = -0.055, v = 0.00124975; m̂ = -0.289474, √v̂ = 0.790688 → Δ = +0.036610.
      const trajectory = run({ kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
      expectClose(trajectory, [
        [0.9, -2.1],
        [0.93661035, -2.19651819],
        [0.89464479, -2.18985829],
      ]);
    });

    it("SGD with momentum 0.9 (buffer starts at the first gradient)", () => {
      // b1 = 0.5 → 0.95; b2 = 0.45 - 1 = -0.55 → 1.005; b3 = -0.495 + 2 = 1.505 → 0.8545.
      expectClose(run({ kind: "sgd", momentum: 0.9 }), [
        [0.95, -2.01],
        [1.005, -2.039],
        [0.8545, -2.0351],
      ]);
      expectClose(run({ kind: "sgd", momentum: 0 }, 1), [
        [0.5, -2.1],
        [1.5, -2.3],
        [-0.5, -2.0],
      ]);
    });

    it("Adagrad (s = Σg², Δ = lr·g/√s)", () => {
      // Step 2: s = 1.25 → Δ = 0.1·(-1)/1.118034 = -0.0894427 → 0.9894427.
      expectClose(run({ kind: "adagrad", epsilon: 1e-10 }), [
        [0.9, -2.1],
        [0.98944272, -2.18944272],
        [0.90215556, -2.10926435],
      ]);
    });

    it("Adagrad with ε = 0 leaves never-updated entries finite", () => {
      const theta = variable([1, 2], "theta");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "adagrad", epsilon: 0 },
        groups: [{ name: "all", variables: [theta], learningRate: { constant: 0.1 } }],
      });
      stepTidy(optimizer, () => ({ [theta.name]: tf.tensor1d([0, 1]) }));
      expectClose([[...theta.dataSync()]], [[1, 1.9]]);
      optimizer.dispose();
    });
  });

  describe("DenseOptimizer groups, schedules, clipping", () => {
    it("gives each group its own schedule, indexed by the number of calls", () => {
      const tower = variable([0], "tower");
      const backbone = variable([0], "backbone");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "sgd", momentum: 0 },
        groups: [
          { name: "tower", variables: [tower], learningRate: { constant: 2 } },
          {
            name: "backbone",
            variables: [backbone],
            learningRate: { linear_ramp_to_constant: { learning_rate: 1, num_ramp_steps: 2 } },
          },
        ],
      });
      const rates = [];
      for (let i = 0; i < 3; i++) {
        const result = stepTidy(optimizer, () => ({
          [tower.name]: tf.ones([1]),
          [backbone.name]: tf.ones([1]),
        }));
        rates.push(result.learningRates);
      }
      // Backbone rates 0, 0.5, 1 → θ = -1.5; tower 2 per step → θ = -6.
      expect(rates).toEqual([
        { tower: 2, backbone: 0 },
        { tower: 2, backbone: 0.5 },
        { tower: 2, backbone: 1 },
      ]);
      expect(tower.dataSync()[0]).toBeCloseTo(-6);
      expect(backbone.dataSync()[0]).toBeCloseTo(-1.5);
      expect(optimizer.scheduleStep).toBe(3);
      optimizer.dispose();
    });

    it("clips the global norm over all variables", () => {
      const a = variable([0], "a");
      const b = variable([0], "b");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "sgd", momentum: 0 },
        groups: [{ name: "all", variables: [a, b], learningRate: { constant: 1 } }],
        clipGlobalNorm: 1,
      });
      // Global norm 5, clipped to 1: the gradient is scaled by 1/5.
      stepTidy(optimizer, () => ({
        [a.name]: tf.tensor1d([3]),
        [b.name]: tf.tensor1d([4]),
      }));
      expect(a.dataSync()[0]).toBeCloseTo(-0.6);
      expect(b.dataSync()[0]).toBeCloseTo(-0.8);
      optimizer.dispose();
    });

    it("rejects gradients of unknown variables and wrong shapes", () => {
      const a = variable([0, 0], "a");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "sgd", momentum: 0 },
        groups: [{ name: "all", variables: [a], learningRate: { constant: 1 } }],
      });
      const g = tf.zeros([3]);
      expect(() => optimizer.step({ nope: g })).toThrow(/unknown variable nope/);
      expect(() => optimizer.step({ [a.name]: g })).toThrow(TmlError);
      g.dispose();
      optimizer.dispose();
    });
  });

  describe("gradient accumulation", () => {
    it("original rule for N = 2 and N = 3 matches the original's `core/train_pipeline.py`", () => {
      const table = (n: number) =>
        Array.from({ length: 6 }, (_, c) => accumulationAction(c, n, "original"));
      expect(table(2).map((a) => `${+a.zero}${+a.step}`)).toEqual([
        "00",
        "01",
        "10",
        "01",
        "10",
        "01",
      ]);
      expect(table(3).map((a) => `${+a.zero}${+a.step}`)).toEqual([
        "00",
        "10",
        "01",
        "00",
        "10",
        "01",
      ]);
    });

    function accumulate(options: DenseOptimizerOptions["gradientAccumulation"]): number[] {
      const theta = variable([0], "theta");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "sgd", momentum: 0 },
        groups: [{ name: "all", variables: [theta], learningRate: { constant: 1 } }],
        ...(options ? { gradientAccumulation: options } : {}),
      });
      const values: number[] = [];
      for (let call = 0; call < 6; call++) {
        stepTidy(optimizer, () => ({ [theta.name]: tf.tensor1d([call + 1]) }));
        values.push(theta.dataSync()[0]!);
      }
      optimizer.dispose();
      return values;
    }

    it("intended: mean of each window of N micro-batch gradients", () => {
      // Windows {1,2,3} and {4,5,6}: updates -2 then -5.
      expectClose([accumulate({ steps: 3 })], [[0, 0, -2, -2, -2, -7]]);
    });

    it("original parity keeps only two micro-batches per window for N = 3", () => {
      // Zero at calls 1 and 4: update at call 2 is (2+3)/3, at call 5 (5+6)/3.
      expectClose(
        [accumulate({ steps: 3, parity: "original" })],
        [[0, 0, -5 / 3, -5 / 3, -5 / 3, -16 / 3]],
      );
      // N = 2: call 0 accumulates, call 1 steps with (1+2)/2, call 2 zeroes, call 3 steps (3+4)/2.
      expectClose([accumulate({ steps: 2, parity: "original" })], [[0, -1.5, -1.5, -5, -5, -10.5]]);
    });
  });

  describe("DenseOptimizer state", () => {
    it("round-trips slots, counters and the schedule step; restored runs continue identically", async () => {
      const make = () => {
        const theta = variable([1, -2], "theta");
        const optimizer = new DenseOptimizer({
          algorithm: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
          groups: [
            {
              name: "all",
              variables: [theta],
              learningRate: { linear_ramp_to_constant: { learning_rate: 0.1, num_ramp_steps: 4 } },
            },
          ],
          gradientAccumulation: { steps: 2 },
        });
        return { theta, optimizer };
      };
      const stepWith = (run: ReturnType<typeof make>, values: number[]) =>
        stepTidy(run.optimizer, () => ({ [run.theta.name]: tf.tensor1d(values) }));
      const first = make();
      for (const g of GRADIENTS) stepWith(first, g);
      const state = await first.optimizer.getState();
      expect(Object.keys(state.arrays).sort()).toEqual([
        `optimizer/accumulated/${first.theta.name}`,
        `optimizer/m/${first.theta.name}`,
        `optimizer/v/${first.theta.name}`,
      ]);
      const second = make();
      // Same variable name is required by the state keys: rename by copying values across.
      second.theta.assign(first.theta);
      const renamed = JSON.parse(
        JSON.stringify(state.json).replaceAll(first.theta.name, second.theta.name),
      );
      const arrays = Object.fromEntries(
        Object.entries(state.arrays).map(([k, v]) => [
          k.replace(first.theta.name, second.theta.name),
          v,
        ]),
      );
      second.optimizer.setState({ arrays, json: renamed });
      expect(second.optimizer.scheduleStep).toBe(3);
      // Four calls end on the same accumulation phase, so the pending-gradient count matches.
      const before = tf.memory().numTensors;
      for (const g of [
        [0.3, 0.3],
        [-0.7, 0.1],
        [0.2, 0.9],
        [1.1, -0.4],
      ]) {
        stepWith(first, g);
        stepWith(second, g);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect([...second.theta.dataSync()]).toEqual([...first.theta.dataSync()]);
      const otherOptimizer = () =>
        second.optimizer.setState({ arrays: {}, json: { algorithm: "sgd" } });
      expect(otherOptimizer).toThrow(ConfigError);
      expect(otherOptimizer).toThrow(/trained with sgd, the config asks for \w+/);
      expect(() => second.optimizer.setState({ arrays: {}, json: renamed })).toThrow(/no array/);
      first.optimizer.dispose();
      second.optimizer.dispose();
    });

    it("leaks no tensors across steps, and dispose frees its slots", () => {
      const start = tf.memory().numTensors;
      const theta = variable([1, 2, 3], "theta");
      const optimizer = new DenseOptimizer({
        algorithm: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
        groups: [{ name: "all", variables: [theta], learningRate: { constant: 0.1 } }],
        clipGlobalNorm: 1,
      });
      const afterCreate = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) stepTidy(optimizer, () => ({ [theta.name]: tf.ones([3]) }));
      expect(tf.memory().numTensors).toBe(afterCreate);
      optimizer.dispose();
      expect(tf.memory().numTensors).toBe(start + 1);
    });
  });
});

it("state moves between the fused and tensor implementations, keyed by stable names", async () => {
  const make = () => {
    const theta = variable([1, -2], "theta");
    const optimizer = new DenseOptimizer({
      algorithm: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      groups: [{ name: "all", variables: [theta], learningRate: { constant: 0.1 } }],
      gradientAccumulation: { steps: 2 },
      stateKeyOf: () => "model.theta",
    });
    return { theta, optimizer };
  };
  const tensor = make();
  const host = make();
  // Three micro-batches on the tfjs-op path: one update applied, one gradient pending.
  withoutKernels(UPDATE_KERNELS, () => {
    for (const g of [GRADIENTS[0]!, GRADIENTS[0]!, GRADIENTS[1]!]) {
      stepTidy(tensor.optimizer, () => ({ [tensor.theta.name]: tf.tensor1d(g) }));
    }
  });
  const state = await tensor.optimizer.getState();
  expect(Object.keys(state.arrays).sort()).toEqual([
    "optimizer/accumulated/model.theta",
    "optimizer/m/model.theta",
    "optimizer/v/model.theta",
  ]);
  expect(state.json).toMatchObject({ updates: { "model.theta": 1 }, accumulated: ["model.theta"] });
  host.theta.assign(tensor.theta);
  host.optimizer.setState(state);
  withoutKernels(UPDATE_KERNELS, () =>
    stepTidy(tensor.optimizer, () => ({ [tensor.theta.name]: tf.tensor1d(GRADIENTS[1]!) })),
  );
  stepTidy(host.optimizer, () => ({ [host.theta.name]: tf.tensor1d(GRADIENTS[1]!) }));
  // Equivalent to plain Adam on GRADIENTS[0], GRADIENTS[1] (each window averages a repeat).
  expectClose([[...host.theta.dataSync()]], [[0.93661035, -2.19651819]]);
  expectClose([[...tensor.theta.dataSync()]], [[0.93661035, -2.19651819]]);
  tensor.optimizer.dispose();
  host.optimizer.dispose();
});

describe("DenseOptimizer.setLearningRateScale", () => {
  it("scales every group's scheduled rate, floored, keeping scheduled rates under the floor", () => {
    const optimizer = new DenseOptimizer({
      algorithm: { kind: "sgd", momentum: 0 },
      groups: [
        { name: "backbone", variables: [variable([1], "a")], learningRate: { constant: 1e-3 } },
        { name: "tower", variables: [variable([1], "b")], learningRate: { constant: 1e-6 } },
        {
          name: "ramp",
          variables: [variable([1], "c")],
          learningRate: { linear_ramp_to_constant: { learning_rate: 1e-2, num_ramp_steps: 10 } },
        },
      ],
    });
    optimizer.setLearningRateScale(0.1, 2e-6);
    // 1e-3 × 0.1; 1e-6 is under the floor, kept; ramp at step 0 is 0, kept; step 5: 5e-3 × 0.1.
    expect(optimizer.learningRates(0)).toEqual({ backbone: 1e-4, tower: 1e-6, ramp: 0 });
    expect(optimizer.learningRates(5)["ramp"]).toBeCloseTo(5e-4, 15);
    optimizer.setLearningRateScale(1e-3, 2e-6);
    expect(optimizer.learningRates(0)["backbone"]).toBe(2e-6); // 1e-6 would be under the floor
    // SGD applies it: θ = 1 − 2e-6 × gradient 1.
    const theta = optimizer.groups[0]!.variables[0]!;
    const gradient = tf.ones([1]);
    optimizer.step(new Map([[theta.name, gradient]]));
    gradient.dispose();
    expect(theta.dataSync()[0]).toBeCloseTo(1 - 2e-6, 7);
    optimizer.dispose();
  });
});
