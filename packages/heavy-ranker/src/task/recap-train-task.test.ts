import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "@tml/core";
import {
  FUSED_ACCUMULATE_KERNEL,
  FUSED_UPDATE_KERNEL,
  MEAN_BCE_KERNEL,
  registerGradients,
} from "@tml/engine";
import { setupTestBackend, withoutKernels } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import { recapOptimizerConfigSchema } from "../config/optimizer-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { recapParameterGroups } from "./parameter-groups.js";
import { RecapEvaluation } from "./recap-evaluation.js";
import { RecapTrainTask } from "./recap-train-task.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const TASKS = ["t.a", "t.b"];

/** Rows with a planted signal: task a fires when x0 > 0, task b when x1 + binary > 0.5. */
function plantedBatch(rows: number, seed: number): RecapBatch {
  const rng = new Rng(seed);
  const continuous = new Float32Array(rows * 3);
  const binary = new Float32Array(rows);
  const labels = new Float32Array(rows * 2);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < 3; col++) continuous[row * 3 + col] = rng.normal() * 2;
    binary[row] = rng.next() < 0.5 ? 1 : 0;
    labels[row * 2] = (continuous[row * 3] as number) > 0 ? 1 : 0;
    labels[row * 2 + 1] =
      (continuous[row * 3 + 1] as number) + (binary[row] as number) > 0.5 ? 1 : 0;
  }
  return {
    size: rows,
    continuous: tf.tensor2d(continuous, [rows, 3]),
    binary: tf.tensor2d(binary, [rows, 1]),
    discrete: tf.zeros([rows, 1], "int32") as tf.Tensor2D,
    labels: tf.tensor2d(labels, [rows, 2]),
    weights: tf.ones([rows, 2]) as tf.Tensor2D,
    taskNames: TASKS,
  };
}

const tower = { mlp_config: { layer_sizes: [4, 1], batch_norm: { affine: false } } };
const modelConfig = recapModelConfigSchema.parse({
  tasks: { "t.a": tower, "t.b": { ...tower, pos_weight: 2 } },
  multi_task_type: "share_all",
  backbone: {
    mask_net_config: {
      use_parallel: true,
      mask_blocks: [{ output_size: 4, aggregation_size: 4, input_layer_norm: false }],
      mlp: { layer_sizes: [6], final_layer_activation: true },
    },
  },
  featurization_config: {
    double_norm_log_config: {
      batch_norm_config: { momentum: 0.1 },
      layer_norm_config: { epsilon: 1e-5 },
    },
  },
});
const optimizer = recapOptimizerConfigSchema.parse({
  adam: { beta_1: 0.9 },
  multi_task_learning_rates: {
    tower_learning_rates: {
      "t.a": { constant: 0.02 },
      "t.b": { linear_ramp_to_constant: { learning_rate: 0.02, num_ramp_steps: 2 } },
    },
    backbone_learning_rate: { constant: 0.01 },
  },
});
const training = { gradient_accumulation: null } as never;
const newModel = () =>
  new MultiTaskRankingModel({ config: modelConfig, continuousWidth: 3, binaryWidth: 1, seed: 5 });

describe("recapParameterGroups", () => {
  it("puts each tower in its task's group and the rest in backbone", () => {
    const model = newModel();
    const groups = recapParameterGroups(model.namedWeights(), optimizer);
    expect(groups.map((g) => g.name)).toEqual(["t.a", "t.b", "backbone"]);
    expect(groups[0]?.variables).toHaveLength(4);
    const total = groups.reduce((sum, g) => sum + g.variables.length, 0);
    expect(total).toBe(model.trainableVariables().length);
    const noBackbone = recapOptimizerConfigSchema.parse({
      adam: {},
      multi_task_learning_rates: { tower_learning_rates: { "t.a": { constant: 1 } } },
    });
    expect(() => recapParameterGroups(model.namedWeights(), noBackbone)).toThrow(
      /backbone_learning_rate/,
    );
    model.dispose();
  });
});

describe("RecapTrainTask", () => {
  it("learns a planted signal; evaluation reports per-task AUROC/RCE/NRCE/PR-AUC", async () => {
    const model = newModel();
    const task = new RecapTrainTask({ model, config: { optimizer, training }, seed: 1 });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      const batch = plantedBatch(64, step);
      losses.push((await task.trainStep(batch)).loss);
      for (const tensor of [
        batch.continuous,
        batch.binary,
        batch.discrete,
        batch.labels,
        batch.weights,
      ])
        tensor.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const early = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const late = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(late).toBeLessThan(early * 0.7);
    const evaluation = new RecapEvaluation(model);
    await evaluation.update(plantedBatch(512, 999));
    const metrics = evaluation.compute();
    expect(metrics["auroc/t.a"]).toBeGreaterThan(0.9);
    expect(metrics["auroc/t.b"]).toBeGreaterThan(0.8);
    expect(metrics["rce/t.a"]).toBeGreaterThan(10);
    expect(Number.isFinite(metrics["nrce/t.b"])).toBe(true);
    expect(metrics["pr_auc/t.a"]).toBeGreaterThan(0.8);
    expect(metrics["calibration/t.a"]).toBeGreaterThan(0.5);
    task.dispose();
    model.dispose();
  });

  it("resumes exactly from its state (weights, Adam slots, schedule step, RNG)", async () => {
    const run = async (task: RecapTrainTask, from: number, to: number) => {
      for (let step = from; step < to; step++) await task.trainStep(plantedBatch(16, step));
    };
    const modelA = newModel();
    const taskA = new RecapTrainTask({ model: modelA, config: { optimizer, training }, seed: 2 });
    await run(taskA, 0, 3);
    const state = await taskA.getState();
    await run(taskA, 3, 5);
    const modelB = new MultiTaskRankingModel({
      config: modelConfig,
      continuousWidth: 3,
      binaryWidth: 1,
      seed: 77,
    });
    const taskB = new RecapTrainTask({ model: modelB, config: { optimizer, training }, seed: 9 });
    taskB.setState(state);
    expect(taskB.optimizer.scheduleStep).toBe(3);
    await run(taskB, 3, 5);
    for (const [key, variable] of modelA.namedWeights()) {
      const other = modelB.namedWeights().get(key) as tf.Variable;
      expect(Array.from(other.dataSync()), key).toEqual(Array.from(variable.dataSync()));
    }
    for (const item of [taskA, taskB, modelA, modelB]) item.dispose();
  });

  it("the fused optimizer update trains like the tensor reference; a checkpoint moves between them", async () => {
    const train = async (
      implementation: "fused" | "tensor",
      from: number,
      to: number,
      task?: RecapTrainTask,
    ) => {
      const own =
        task ??
        new RecapTrainTask({
          model: newModel(),
          config: { optimizer, training },
          seed: 3,
        });
      const steps = async () => {
        for (let step = from; step < to; step++) {
          const batch = plantedBatch(16, step);
          await own.trainStep(batch);
          tf.dispose([batch.continuous, batch.binary, batch.discrete, batch.labels, batch.weights]);
        }
      };
      if (implementation === "fused") await steps();
      else await withoutKernels([FUSED_UPDATE_KERNEL, FUSED_ACCUMULATE_KERNEL], steps);
      return own;
    };
    const fused = await train("fused", 0, 6);
    const tensor = await train("tensor", 0, 6);
    const resumed = new RecapTrainTask({
      model: newModel(),
      config: { optimizer, training },
      seed: 8,
    });
    const source = await train("tensor", 0, 3);
    resumed.setState(await source.getState());
    await train("fused", 3, 6, resumed);
    // Same float32 roundings in the same order: bitwise equal weights.
    for (const [key, variable] of tensor.model.namedWeights()) {
      const expected = [...variable.dataSync()];
      expect([...fused.model.namedWeights().get(key)!.dataSync()], `fused ${key}`).toEqual(
        expected,
      );
      expect([...resumed.model.namedWeights().get(key)!.dataSync()], `resumed ${key}`).toEqual(
        expected,
      );
    }
    for (const task of [fused, tensor, resumed, source]) {
      task.dispose();
      task.model.dispose();
    }
  });

  it("the loss kernel trains like the loss op's tfjs-op form", async () => {
    const losses = async () => {
      const model = newModel();
      const task = new RecapTrainTask({ model, config: { optimizer, training }, seed: 4 });
      const values: number[] = [];
      for (let step = 0; step < 8; step++) {
        const batch = plantedBatch(32, step);
        values.push((await task.trainStep(batch)).loss);
        tf.dispose([batch.continuous, batch.binary, batch.discrete, batch.labels, batch.weights]);
      }
      task.dispose();
      model.dispose();
      return values;
    };
    const host = await losses();
    const reference = await withoutKernels([MEAN_BCE_KERNEL], losses);
    // Same weights at step 0; afterwards float64 vs float32 roundings may drift slightly.
    expect(host[0]).toBeCloseTo(reference[0]!, 6);
    for (const [step, value] of reference.entries()) expect(host[step]).toBeCloseTo(value, 3);
  });

  it("accumulates gradients over micro-batches", async () => {
    const model = newModel();
    const config = { optimizer, training: { gradient_accumulation: 2 } as never };
    const task = new RecapTrainTask({ model, config, seed: 1 });
    expect((await task.trainStep(plantedBatch(16, 0))).applied).toBe(false);
    expect((await task.trainStep(plantedBatch(16, 1))).applied).toBe(true);
    task.dispose();
    model.dispose();
  });

  it("follows training.gradient_accumulation_parity (the original's rule zeroes mid-window)", async () => {
    // N = 3: both rules apply after calls 2 and 5, but `original` (core/train_pipeline.py) zeroes
    // the accumulator at calls 1 and 4, so the first update holds only call 1's and 2's gradients.
    const weightsAfter = async (parity: "intended" | "original") => {
      const model = newModel();
      const config = {
        optimizer,
        training: { gradient_accumulation: 3, gradient_accumulation_parity: parity } as never,
      };
      const task = new RecapTrainTask({ model, config, seed: 1 });
      const applied: boolean[] = [];
      for (const call of [0, 1, 2])
        applied.push((await task.trainStep(plantedBatch(16, call))).applied);
      expect(applied).toEqual([false, false, true]);
      const weights = [...model.namedWeights().values()].map((v) => Array.from(v.dataSync()));
      task.dispose();
      model.dispose();
      return weights.flat();
    };
    const intended = await weightsAfter("intended");
    const original = await weightsAfter("original");
    expect(original).toHaveLength(intended.length);
    expect(original.some((value, index) => value !== intended[index])).toBe(true);
  });
});
