import * as tf from "@tensorflow/tfjs-core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { alignedTargets } from "./aligned-targets.js";
import { renameOptimizerState } from "./state-keys.js";

beforeAll(async () => {
  await setupTestBackend();
});

describe("renameOptimizerState", () => {
  it("renames slot keys and JSON variable names, leaving other arrays", () => {
    const array = { dtype: "float32" as const, shape: [1], data: new Float32Array(1) };
    const state = {
      arrays: { "optimizer/m/v_1": array, "optimizer/accumulated/v_1": array, "model/x": array },
      json: { calls: 3, updates: { v_1: 2 }, accumulated: ["v_1"] },
    };
    const renamed = renameOptimizerState(state, "optimizer/", (name) =>
      name === "v_1" ? "_towers.a.layers.0.weight" : name,
    );
    expect(Object.keys(renamed.arrays).sort()).toEqual([
      "model/x",
      "optimizer/accumulated/_towers.a.layers.0.weight",
      "optimizer/m/_towers.a.layers.0.weight",
    ]);
    expect(renamed.json).toEqual({
      calls: 3,
      updates: { "_towers.a.layers.0.weight": 2 },
      accumulated: ["_towers.a.layers.0.weight"],
    });
  });
});

describe("alignedTargets", () => {
  it("selects label and weight columns by task name", () => {
    const batch = {
      labels: tf.tensor2d([[1, 0, 1]]),
      weights: tf.tensor2d([[2, 3, 4]]),
      taskNames: ["a", "b", "c"],
    };
    const same = alignedTargets(batch, ["a", "b", "c"]);
    expect(same.labels).toBe(batch.labels);
    const picked = alignedTargets(batch, ["c", "a"]);
    expect(picked.labels.arraySync()).toEqual([[1, 1]]);
    expect(picked.weights.arraySync()).toEqual([[4, 2]]);
    expect(() => alignedTargets(batch, ["d"])).toThrow(/model task d/);
  });
});
