import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@tml/core";
import { SharedFloat32Arrays } from "@tml/training/parallel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeBatches } from "../data/edge-batches.js";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { trainTwhin } from "../run/train-twhin.js";
import { TwhinStep } from "../step/twhin-step.js";
import { generatedGraphConfig, writeEngagementGraph } from "../testing/generated-graph.js";
import { randomBatch, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinTask } from "./twhin-task.js";

// The learning-rate scale of `reduce_lr_on_plateau` on TwHIN: the optimizers scale every rate
// (tables and operators), the Hogwild workers get it through shared memory, and the loop drives it.

const config = tinyConfig({ optimizer: { adagrad: { lr: 0.2 } }, global: 4, inBatch: 0 });

/** Every trained array of `model`, copied. */
function arrays(model: TwhinModel): Float32Array[] {
  return [...model.tables.map((table) => table.toFloat32().slice()), model.relationParams.slice()];
}

/** The change of every array after one Adagrad step on a fixed batch, with `scale` set first. */
async function oneStep(scale?: readonly [number, number]): Promise<Float32Array[]> {
  const model = new TwhinModel(config.model).initialize(1);
  const before = arrays(model);
  const step = TwhinStep.create(model, config);
  const optimizers = new ModelOptimizers(model, config);
  if (scale) optimizers.setLearningRateScale(scale[0], scale[1]);
  await step.computeGradients(randomBatch(config, 8, 3), new Rng(4));
  optimizers.apply(step.buffers, step.kernels, 1);
  return arrays(model).map((after, index) => after.map((value, i) => value - before[index]![i]!));
}

/** Largest |after − before| over every array. */
function largestChange(before: Float32Array[], after: Float32Array[]): number {
  let largest = 0;
  before.forEach((array, index) => {
    for (let i = 0; i < array.length; i++)
      largest = Math.max(largest, Math.abs(after[index]![i]! - array[i]!));
  });
  return largest;
}

/** Worst |actual − ratio · expected| over every array, relative to the largest move. */
function worstDeviation(actual: Float32Array[], expected: Float32Array[], ratio: number): number {
  let worst = 0;
  let largest = 0;
  expected.forEach((array, index) => {
    for (let i = 0; i < array.length; i++) {
      largest = Math.max(largest, Math.abs(array[i]!));
      worst = Math.max(worst, Math.abs(actual[index]![i]! - ratio * array[i]!));
    }
  });
  expect(largest, "the step moves some rows").toBeGreaterThan(0.01);
  return worst / largest;
}

describe("learning-rate scale (reduce_lr_on_plateau) on TwHIN", () => {
  it("scales the step of every table and operator; the floor and the schedule bound the rate", async () => {
    const full = await oneStep();
    // Adagrad's first step is linear in the rate: lr · g / (|g| + eps).
    expect(worstDeviation(await oneStep([0.25, 0]), full, 0.25)).toBeLessThan(1e-5);
    // Floor 0.1 above 0.2 · 0.25: the rate is 0.1, half the schedule's.
    expect(worstDeviation(await oneStep([0.25, 0.1]), full, 0.5)).toBeLessThan(1e-5);
    // A floor above the schedule's rate never raises it.
    expect(worstDeviation(await oneStep([0.25, 0.5]), full, 1)).toBeLessThan(1e-5);
  });

  it("reaches the Hogwild workers: a near-zero scale leaves every worker's rows in place", async () => {
    const workers = 2;
    const arrays2 = SharedFloat32Arrays.create();
    const model = new TwhinModel(config.model, undefined, arrays2.allocate).initialize(1);
    const batches = new EdgeBatches(randomBatch(config, 64, 5), 8 * workers, 0);
    const task = new TwhinTask({ model, config, batches, parallel: { workers, arrays: arrays2 } });
    try {
      const before = arrays(model);
      task.setLearningRateScale(1e-9, 0);
      for (let step = 0; step < 4; step++) await task.trainStep(batches.next());
      expect(largestChange(before, arrays(model))).toBeLessThan(1e-8);
      // Scale 1 again: the same steps move the rows by whole Adagrad steps.
      task.setLearningRateScale(1, 0);
      for (let step = 0; step < 4; step++) await task.trainStep(batches.next());
      expect(largestChange(before, arrays(model))).toBeGreaterThan(0.05);
    } finally {
      await task.close();
    }
  });
});

describe("training.reduce_lr_on_plateau through trainTwhin", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "twhin-plateau-"));
    await writeEngagementGraph(join(dir, "graph"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (name: string, extra: string[]) => {
    const scaled: number[] = [];
    const logger = {
      level: "info" as const,
      debug() {},
      info(message: string, fields?: Record<string, unknown>) {
        if (message === "learning rate scaled on a plateau")
          scaled.push(fields!["scale"] as number);
      },
      warn() {},
      error() {},
      child() {
        return logger;
      },
    };
    // Validation every epoch (10 steps) without model selection: the run ends on its last weights.
    const config = generatedGraphConfig(join(dir, "graph"), join(dir, name), [
      "training.num_epochs=3",
      "model_selection=null",
      "training.eval_every_n=10",
      ...extra,
    ]);
    const result = await trainTwhin({ config, device: "cpu", workers: 1, logger });
    return { scaled, tables: arrays(result.model) };
  };

  it("halves the rates after each validation that does not improve the MRR by min_delta", async () => {
    // min_delta 1: no MRR improves by 1, so the second and third validations each halve the rates.
    const plateau = await run("plateau", [
      "training.reduce_lr_on_plateau={monitor: mrr, mode: max, factor: 0.5, patience: 1, min_delta: 1}",
    ]);
    expect(plateau.scaled).toEqual([0.5, 0.25]);
    // The scale reaches training: the last weights differ from those of a run without the
    // schedule (same seed, same batches).
    const plain = await run("plain", []);
    expect(plain.scaled).toEqual([]);
    const differs = plateau.tables.some((array, index) =>
      array.some((value, i) => value !== plain.tables[index]![i]),
    );
    expect(differs).toBe(true);
  });
});
