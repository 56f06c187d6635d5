import { Rng, roundToHalfPrecision } from "@tml/core";
import { describe, expect, it } from "vitest";
import { largeEmbeddingsConfigSchema } from "../config/model-config.js";
import { LargeEmbeddings } from "../model/large-embeddings.js";
import { EmbeddingOptimizer } from "./embedding-optimizer.js";

function setup(optimizer: object, dataType = "fp32") {
  const config = largeEmbeddingsConfigSchema.parse({
    tables: [
      {
        name: "user",
        num_embeddings: 3,
        embedding_dim: 2,
        feature_name: "id",
        data_type: dataType,
      },
    ],
    optimizer,
  });
  const embeddings = new LargeEmbeddings(config, new Rng(0));
  const table = embeddings.tables[0];
  table?.assign(new Float32Array(6).fill(1));
  return { table, optimizer: new EmbeddingOptimizer(config.optimizer, embeddings.tables) };
}

// Row 2 gets gradient [3, 4]; rows 0 and 1 are untouched.
const gradient = { rowIds: Int32Array.from([2]), values: Float32Array.from([3, 4]), count: 1 };

describe("EmbeddingOptimizer", () => {
  it("SGD moves only the touched rows by lr · g", () => {
    const { table, optimizer } = setup({ init_learning_rate: 0.1 });
    optimizer.apply([gradient], 0);
    expect([...(table?.toFloat32() ?? [])].map((v) => Number(v.toFixed(6)))).toEqual([
      1, 1, 1, 1, 0.7, 0.6,
    ]);
  });

  it("updates a bf16 table in fp32 and rounds the row once when writing it", () => {
    const { table, optimizer } = setup({ init_learning_rate: 0.001 }, "bf16");
    optimizer.apply([gradient], 0);
    const weight = table?.toFloat32() ?? new Float32Array();
    expect(weight[4]).toBe(roundToHalfPrecision(1 - 0.003, "bf16"));
    expect(weight[5]).toBe(roundToHalfPrecision(1 - 0.004, "bf16"));
    expect(weight[0]).toBe(1);
  });

  it("row-wise Adagrad keeps one accumulator per row (mean of squared gradients)", () => {
    const { table, optimizer } = setup({ init_learning_rate: 0.5, rowwise_adagrad: { eps: 0 } });
    optimizer.apply([gradient], 0); // G = (9 + 16) / 2 = 12.5
    optimizer.apply([gradient], 1); // G = 25
    const first = 0.5 / Math.sqrt(12.5);
    const second = 0.5 / 5;
    const expected = [1 - (first + second) * 3, 1 - (first + second) * 4];
    const weight = table?.toFloat32() ?? new Float32Array();
    expect(weight[4]).toBeCloseTo(expected[0] ?? 0, 6);
    expect(weight[5]).toBeCloseTo(expected[1] ?? 0, 6);
    expect(weight[0]).toBe(1);
    const state = optimizer.getState("p/");
    expect([...(state["p/user.accumulator"]?.data ?? [])]).toEqual([0, 0, 25]);
  });

  it("follows the learning_rate schedule and the plateau scale; restores its state", () => {
    const { optimizer } = setup({
      init_learning_rate: 1,
      learning_rate: { linear_ramp_to_constant: { learning_rate: 0.4, num_ramp_steps: 4 } },
      rowwise_adagrad: {},
    });
    expect(optimizer.apply([gradient], 0).learningRate).toBeCloseTo(0, 9);
    expect(optimizer.apply([gradient], 1).learningRate).toBeCloseTo(0.1, 9);
    optimizer.setLearningRateScale(0.5, 0);
    expect(optimizer.learningRate(2)).toBeCloseTo(0.1, 9);
    const { optimizer: restored } = setup({
      init_learning_rate: 1,
      learning_rate: { linear_ramp_to_constant: { learning_rate: 0.4, num_ramp_steps: 4 } },
      rowwise_adagrad: {},
    });
    const state = optimizer.getState("p/");
    restored.setState("p/", state);
    expect(restored.learningRate(2)).toBeCloseTo(0.2, 9);
    expect(restored.getState("p/")["p/user.accumulator"]?.data).toEqual(
      state["p/user.accumulator"]?.data,
    );
    expect(() => restored.setState("p/", {})).toThrow(/no p\/user.accumulator/);
  });
});
