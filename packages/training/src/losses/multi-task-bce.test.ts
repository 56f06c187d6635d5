import * as tf from "@tensorflow/tfjs-core";
import { TmlError } from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { type GlobalReduction, multiTaskBceWithLogits } from "./multi-task-bce.js";

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});

const LOGITS = [
  [0, 2],
  [1, -1],
];
const LABELS = [
  [1, 0],
  [0, 1],
];
const WEIGHTS = [
  [1, 1],
  [0.5, 2],
];
const TASKS = ["fav", "reply"];

function compute(reduction: GlobalReduction, posWeights?: number[], logits = LOGITS) {
  return tf.tidy(() => {
    const result = multiTaskBceWithLogits(
      tf.tensor2d(logits),
      tf.tensor2d(LABELS),
      tf.tensor2d(WEIGHTS),
      { taskNames: TASKS, globalReduction: reduction, ...(posWeights ? { posWeights } : {}) },
    );
    return [result.loss, result.perTask["fav"]!, result.perTask["reply"]!];
  });
}

/** Independent float64 reference of the original's `core/losses.py` formula. */
function reference(logits: number[][], reduction: GlobalReduction, posWeights = [1, 1]): number {
  const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
  const perTask = [0, 1].map((t) => {
    let sum = 0;
    for (let b = 0; b < 2; b++) {
      const p = sigmoid(logits[b]![t]!);
      const y = LABELS[b]![t]!;
      sum += WEIGHTS[b]![t]! * -(posWeights[t]! * y * Math.log(p) + (1 - y) * Math.log(1 - p));
    }
    return sum / 2;
  });
  const sorted = [...perTask].sort((a, b) => a - b);
  return {
    mean: (perTask[0]! + perTask[1]!) / 2,
    sum: perTask[0]! + perTask[1]!,
    min: sorted[0]!,
    max: sorted[1]!,
    median: sorted[0]!,
  }[reduction];
}

describe("multiTaskBceWithLogits", () => {
  it("reproduces the hand-worked per-task and global losses", () => {
    // fav: (ln 2 + 0.5·softplus(1)) / 2 = 0.674889; reply: (softplus(2) + 2·softplus(1)) / 2 = 2.376726.
    const expected: Record<GlobalReduction, number> = {
      mean: 1.525807,
      sum: 3.051615,
      min: 0.674889,
      max: 2.376726,
      median: 0.674889,
    };
    for (const [reduction, value] of Object.entries(expected)) {
      const [loss, fav, reply] = compute(reduction as GlobalReduction);
      expect(loss!.dataSync()[0]).toBeCloseTo(value, 5);
      expect(fav!.dataSync()[0]).toBeCloseTo(0.674889, 5);
      expect(reply!.dataSync()[0]).toBeCloseTo(2.376726, 5);
      tf.dispose([loss!, fav!, reply!]);
    }
    const [weighted, fav] = compute("mean", [2, 1]);
    expect(fav!.dataSync()[0]).toBeCloseTo((2 * Math.LN2 + 0.5 * Math.log(1 + Math.E)) / 2, 5);
    expect(weighted!.dataSync()[0]).toBeCloseTo(reference(LOGITS, "mean", [2, 1]), 5);
    tf.dispose(compute("mean", [2, 1]).concat([weighted!, fav!]));
  });

  it("has gradients matching central finite differences of the float64 formula", () => {
    for (const reduction of ["mean", "sum", "max", "median"] as const) {
      const posWeights = [2, 0.5];
      const gradient = tf.tidy(() =>
        tf.grad((x: tf.Tensor) => {
          const result = multiTaskBceWithLogits(
            x as tf.Tensor2D,
            tf.tensor2d(LABELS),
            tf.tensor2d(WEIGHTS),
            { taskNames: TASKS, globalReduction: reduction, posWeights },
          );
          return result.loss;
        })(tf.tensor2d(LOGITS)),
      );
      const values = gradient.dataSync();
      const h = 1e-5;
      for (let b = 0; b < 2; b++) {
        for (let t = 0; t < 2; t++) {
          const plus = LOGITS.map((row) => [...row]);
          const minus = LOGITS.map((row) => [...row]);
          plus[b]![t]! += h;
          minus[b]![t]! -= h;
          const numeric =
            (reference(plus, reduction, posWeights) - reference(minus, reduction, posWeights)) /
            (2 * h);
          expect(values[b * 2 + t]).toBeCloseTo(numeric, 4);
        }
      }
      gradient.dispose();
    }
  });

  it("takes the lower median of five tasks with ties, its gradient on the first tied value", () => {
    // One row, labels 0, weights 1: task t's loss is softplus(logit_t), so the order is the logits'.
    // Sorted stably: 0.2 (t4), 0.5 (t1), 1 (t0), 1 (t2), 3 (t3); the lower median is t0's loss.
    const logits = [[1, 0.5, 1, 3, 0.2]];
    const taskNames = ["a", "b", "c", "d", "e"];
    const { value, gradient } = tf.tidy(() => {
      const zeros = tf.zeros([1, 5]) as tf.Tensor2D;
      const lossOf = (x: tf.Tensor) =>
        multiTaskBceWithLogits(x as tf.Tensor2D, zeros, tf.onesLike(zeros), {
          taskNames,
          globalReduction: "median",
        }).loss;
      const { value, grad } = tf.valueAndGrad(lossOf)(tf.tensor2d(logits));
      return { value, gradient: grad };
    });
    expect(value.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.E), 5);
    const sigmoidOfOne = 1 / (1 + Math.exp(-1));
    [...gradient.dataSync()].forEach((entry, task) => {
      expect(entry).toBeCloseTo(task === 0 ? sigmoidOfOne : 0, 6);
    });
    tf.dispose([value, gradient]);
  });

  it("checks shapes and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const tensors = compute("median");
    tf.dispose(tensors);
    expect(tf.memory().numTensors).toBe(before);
    expect(() =>
      tf.tidy(() => {
        multiTaskBceWithLogits(tf.zeros([2, 3]), tf.zeros([2, 3]), tf.zeros([2, 3]), {
          taskNames: TASKS,
        });
      }),
    ).toThrow(TmlError);
    expect(() =>
      tf.tidy(() => {
        multiTaskBceWithLogits(tf.zeros([2, 2]), tf.zeros([3, 2]), tf.zeros([2, 2]), {
          taskNames: TASKS,
        });
      }),
    ).toThrow(/labels must be \[2,2\]/);
  });
});
