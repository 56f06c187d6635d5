import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";
import { EdgeBatches } from "../data/edge-batches.js";
import { TwhinModel } from "../model/twhin-model.js";
import { ModelOptimizers } from "../optim/model-optimizers.js";
import { TwhinStep } from "../step/twhin-step.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { TwhinTask } from "./twhin-task.js";

type Parity = "intended" | "original";

function withAccumulation(config: TwhinConfig, steps: number | null, parity: Parity): TwhinConfig {
  return {
    ...config,
    training: {
      ...config.training,
      gradient_accumulation: steps,
      gradient_accumulation_parity: parity,
    },
  };
}

function task(config: TwhinConfig, seed = 3): TwhinTask {
  const model = new TwhinModel(config.model).initialize(seed);
  const batches = new EdgeBatches(randomBatch(config, 64, 99), 8, 0);
  return new TwhinTask({ model, config, batches });
}

// Edges [from, to) of `batch` as a batch of their own.
function slice(batch: EdgeBatch, from: number, to: number): EdgeBatch {
  return {
    lhs: batch.lhs.slice(from, to),
    rel: batch.rel.slice(from, to),
    rhs: batch.rhs.slice(from, to),
    size: to - from,
  };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// 1vsAll (every row a candidate: no sampling) with softmax and N3, both means over the batch's
// edge directions: k micro-batches of b edges average to the gradient of one batch of k·b edges.
function oneVsAll(
  batchSize: number,
  optimizer: Record<string, unknown>,
  dataType: TinyConfigOptions["dataType"] = "fp32",
): TwhinConfig {
  const options: TinyConfigOptions = {
    dataType,
    operator: "complex_diagonal",
    global: "all",
    inBatch: 0,
    batchSize,
    optimizer,
    model: {
      loss: { type: "softmax", margin: 1 },
      reciprocal_relations: true,
      regularizer: "n3",
      regularization: 0.05,
    },
  };
  return tinyConfig(options);
}

describe("TwHIN gradient accumulation", () => {
  // bf16 tables: both runs round once per update, so they agree within about one bf16 step.
  it.each([
    ["sgd", { sgd: { lr: 0.3 } }, "fp32", 2e-6],
    ["adagrad", { adagrad: { lr: 0.1, initial_accumulator_value: 0.1 } }, "fp32", 2e-6],
    [
      "row-wise adagrad",
      { adagrad: { lr: 0.1, rowwise: true, initial_accumulator_value: 0.1 } },
      "fp32",
      2e-6,
    ],
    ["adam", { adam: { lr: 0.02 } }, "fp32", 2e-6],
    [
      "adagrad, bf16 tables",
      { adagrad: { lr: 0.1, initial_accumulator_value: 0.1 } },
      "bf16",
      5e-3,
    ],
  ] as const)(
    "intended: 4 micro-batches of 5 edges update as one batch of 20 (%s)",
    async (_, optimizer, dataType, tolerance) => {
      const k = 4;
      const b = 5;
      const bigConfig = oneVsAll(k * b, optimizer, dataType);
      const big = task(bigConfig);
      const micro = task(withAccumulation(oneVsAll(b, optimizer, dataType), k, "intended"));
      const plain = task(oneVsAll(b, optimizer, dataType));
      for (let update = 0; update < 3; update++) {
        const batch = randomBatch(bigConfig, k * b, 10 + update);
        const bigLoss = await big.trainBatch(batch, new Rng(0));
        let microLoss = 0;
        for (let m = 0; m < k; m++) {
          const part = slice(batch, m * b, (m + 1) * b);
          microLoss += (await micro.trainBatch(part, new Rng(0))) / k;
          await plain.trainBatch(part, new Rng(0));
        }
        expect(microLoss).toBeCloseTo(bigLoss, 5);
      }
      const [bigModel, microModel, plainModel] = [big, micro, plain].map((t) => t.step.model);
      bigModel!.tables.forEach((table, t) => {
        expect(maxDifference(microModel!.tables[t]!.toFloat32(), table.toFloat32())).toBeLessThan(
          tolerance,
        );
        // Without accumulation the same edges train differently: the check can fail.
        expect(
          maxDifference(plainModel!.tables[t]!.toFloat32(), table.toFloat32()),
        ).toBeGreaterThan(1e-3);
      });
      expect(maxDifference(microModel!.relationParams, bigModel!.relationParams)).toBeLessThan(
        tolerance,
      );
    },
  );

  it("original: tables update every micro-batch by loss ÷ N, relations follow the pipeline's zero/step rule", async () => {
    // Translations trained (parity fixed) and in-batch negatives drawn from the same seeded RNG.
    const config = tinyConfig({ optimizer: { sgd: { lr: 0.1 } }, batchSize: 6 });
    const n = 3;
    const accumulating = task(withAccumulation(config, n, "original"));
    const model = new TwhinModel(config.model).initialize(3);
    const step = TwhinStep.create(model, config);
    const optimizers = new ModelOptimizers(model, config);
    const dim = model.dim;
    // The documented rule, by hand: zero before micro-batch c iff c > 0 and (c + 2) % N = 0,
    // step after it iff c > 0 and (c + 1) % N = 0, the gradient kept after a step.
    const zeroAt = [1, 4, 7];
    const stepAt = [2, 5, 8];
    const pending = new Float64Array(model.relationParams.length);
    const [taskRng, referenceRng] = [new Rng(5), new Rng(5)];
    for (let call = 0; call < 9; call++) {
      const batch = randomBatch(config, 6, 40 + call);
      await accumulating.trainBatch(batch, taskRng);
      await step.computeGradients(batch, referenceRng);
      for (const grads of step.tableGrads)
        for (let i = 0; i < grads.count * dim; i++) grads.grads[i]! /= n;
      optimizers.applyTables(step.buffers, step.kernels, call, call + 1);
      if (zeroAt.includes(call)) pending.fill(0);
      const relation = step.relationGrads;
      for (let s = 0; s < relation.count; s++)
        for (let d = 0; d < dim; d++)
          pending[relation.rowIds[s]! * dim + d]! += relation.grads[s * dim + d]! / n;
      if (stepAt.includes(call))
        for (let i = 0; i < pending.length; i++) model.relationParams[i]! -= 0.1 * pending[i]!;
      const trained = accumulating.step.model;
      model.tables.forEach((table, t) => {
        expect(trained.tables[t]!.stored).toEqual(table.stored);
      });
      expect(maxDifference(trained.relationParams, model.relationParams)).toBeLessThan(1e-6);
    }
  });

  it("when weights change: intended at each window's end; original tables every micro-batch, relations at c = N-1, 2N-1, …", async () => {
    const config = tinyConfig({ optimizer: { sgd: { lr: 0.1 } }, batchSize: 6 });
    const changes = async (parity: Parity) => {
      const trained = task(withAccumulation(config, 3, parity));
      const model = trained.step.model;
      const rng = new Rng(5);
      const tables: number[] = [];
      const relations: number[] = [];
      for (let call = 0; call < 7; call++) {
        const table = model.tables[0]!.toFloat32().slice();
        const relation = model.relationParams.slice();
        await trained.trainBatch(randomBatch(config, 6, 40 + call), rng);
        if (maxDifference(table, model.tables[0]!.toFloat32()) > 0) tables.push(call);
        if (maxDifference(relation, model.relationParams) > 0) relations.push(call);
      }
      return { tables, relations };
    };
    expect(await changes("intended")).toEqual({ tables: [2, 5], relations: [2, 5] });
    expect(await changes("original")).toEqual({ tables: [0, 1, 2, 3, 4, 5, 6], relations: [2, 5] });
  });

  it("learning-rate schedules read the step of the micro-batch that applies (as the Heavy Ranker's)", async () => {
    // Rate 0 at step 0, 0.3 from step 1: the window of steps 0 and 1 applies at step 1.
    const schedule = {
      sgd: { lr: 0.3 },
      learning_rate: {
        piecewise_constant: { learning_rate_boundaries: [1], learning_rate_values: [0, 0.3] },
      },
    };
    const bigConfig = oneVsAll(8, { sgd: { lr: 0.3 } });
    const big = task(bigConfig);
    const micro = task(withAccumulation(oneVsAll(4, schedule), 2, "intended"));
    const batch = randomBatch(bigConfig, 8, 21);
    await big.trainBatch(batch, new Rng(0));
    await micro.trainBatch(slice(batch, 0, 4), new Rng(0));
    await micro.trainBatch(slice(batch, 4, 8), new Rng(0));
    const [bigModel, microModel] = [big.step.model, micro.step.model];
    bigModel.tables.forEach((table, t) => {
      expect(maxDifference(microModel.tables[t]!.toFloat32(), table.toFloat32())).toBeLessThan(
        2e-6,
      );
    });
  });

  it("needs one Hogwild worker, and a resume needs the settings the checkpoint was trained with", () => {
    const config = withAccumulation(tinyConfig(), 2, "intended");
    const model = new TwhinModel(config.model).initialize(0);
    const batches = new EdgeBatches(randomBatch(config, 64, 99), 16, 0);
    const parallel = { workers: 2, arrays: undefined as never };
    expect(() => new TwhinTask({ model, config, batches, parallel })).toThrow(/--threads 1/);
    const saved = task(config).getState();
    const restore = (other: TwhinConfig) => () =>
      task(other).setState(saved, { reason: "resume", step: 4 });
    expect(restore(config)).not.toThrow();
    expect(restore(withAccumulation(config, 3, "intended"))).toThrow(
      /gradient_accumulation 2 \(intended\).*gradient_accumulation 3 \(intended\)/,
    );
    expect(restore(withAccumulation(config, null, "intended"))).toThrow(/no gradient accumulation/);
  });
});
