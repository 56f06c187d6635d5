import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { largeEmbeddingsConfigSchema } from "../config/model-config.js";
import { LargeEmbeddings } from "../model/large-embeddings.js";
import {
  checkSameEmbeddingAccumulation,
  EmbeddingGradientAccumulation,
} from "./embedding-accumulation.js";
import { EmbeddingOptimizer } from "./embedding-optimizer.js";

const ROWS = 20;
const DIM = 3;
const MICRO = 4; // b: rows per micro-batch
const STEPS = 3; // N

function setup(optimizer: object) {
  const config = largeEmbeddingsConfigSchema.parse({
    tables: [{ name: "user", num_embeddings: ROWS, embedding_dim: DIM, feature_name: "id" }],
    optimizer,
  });
  const embeddings = new LargeEmbeddings(config, new Rng(5));
  return {
    embeddings,
    optimizer: new EmbeddingOptimizer(config.optimizer, embeddings.tables),
  };
}

/** N·b rows: ids (with repeats across micro-batches) and each row's loss gradient g_r. */
function rowsOfWindow() {
  const rng = new Rng(9);
  const ids = Int32Array.from({ length: STEPS * MICRO }, () => rng.int(8));
  const rowGradients = Float32Array.from({ length: STEPS * MICRO * DIM }, () => rng.normal());
  return { ids, rowGradients };
}

/** The gradient of a mean loss over `count` rows starting at row `first`: g_r ÷ count. */
function meanLossGradient(rowGradients: Float32Array, first: number, count: number) {
  return rowGradients.slice(first * DIM, (first + count) * DIM).map((g) => g / count);
}

const optimizers = {
  sgd: { init_learning_rate: 0.3 },
  // A non-zero initial accumulator makes the update depend on the gradient's scale.
  rowwise_adagrad: { init_learning_rate: 0.3, rowwise_adagrad: { initial_accumulator_value: 0.1 } },
};

describe("EmbeddingGradientAccumulation", () => {
  for (const [name, optimizerConfig] of Object.entries(optimizers)) {
    it(`intended: N micro-batches of b equal one batch of N·b (${name})`, () => {
      const { ids, rowGradients } = rowsOfWindow();
      const whole = setup(optimizerConfig);
      const wholeBatch = STEPS * MICRO;
      whole.optimizer.apply(
        whole.embeddings.gradients(
          { user: { values: ids, width: 1 } },
          wholeBatch,
          meanLossGradient(rowGradients, 0, wholeBatch),
        ),
        STEPS - 1,
      );
      const micro = setup(optimizerConfig);
      const before = micro.embeddings.tables[0]?.toFloat32().slice();
      const accumulation = new EmbeddingGradientAccumulation(micro.embeddings.tables, {
        steps: STEPS,
        parity: "intended",
      });
      for (let call = 0; call < STEPS; call++) {
        const gradients = micro.embeddings.gradients(
          { user: { values: ids.slice(call * MICRO, (call + 1) * MICRO), width: 1 } },
          MICRO,
          meanLossGradient(rowGradients, call * MICRO, MICRO),
        );
        const result = accumulation.feed(gradients, call, micro.optimizer);
        expect(result === undefined).toBe(call < STEPS - 1);
        if (call < STEPS - 1) expect(micro.embeddings.tables[0]?.toFloat32()).toEqual(before);
      }
      const expected = whole.embeddings.tables[0]?.toFloat32() ?? new Float32Array();
      const actual = micro.embeddings.tables[0]?.toFloat32() ?? new Float32Array();
      expect(actual).not.toEqual(before);
      for (let i = 0; i < expected.length; i++)
        expect(actual[i]).toBeCloseTo(expected[i] as number, 6);
    });
  }

  it("original: every micro-batch updates its rows at once by the gradient of loss ÷ N", () => {
    // Row-wise Adagrad by hand: G_r += mean_d (g_d / N)²; w_r -= lr · (g / N) / (√G_r + eps).
    const { embeddings, optimizer } = setup({
      init_learning_rate: 0.5,
      rowwise_adagrad: { eps: 0 },
    });
    const table = embeddings.tables[0];
    table?.assign(new Float32Array(ROWS * DIM).fill(1));
    const accumulation = new EmbeddingGradientAccumulation(embeddings.tables, {
      steps: 2,
      parity: "original",
    });
    const grad = (values: number[]) => [
      { rowIds: Int32Array.from([4]), values: Float32Array.from(values), count: 1 },
    ];
    expect(accumulation.feed(grad([2, 4, 6]), 0, optimizer)?.rowsUpdated).toBe(1);
    const g1 = [1, 2, 3]; // [2, 4, 6] ÷ 2
    const accumulator1 = (1 + 4 + 9) / 3;
    const after1 = g1.map((g) => 1 - (0.5 * g) / Math.sqrt(accumulator1));
    expect([...(table?.toFloat32().slice(12, 15) ?? [])]).toEqual(
      after1.map((v) => Math.fround(v)),
    );
    accumulation.feed(grad([6, 0, 0]), 1, optimizer);
    const accumulator2 = accumulator1 + 9 / 3;
    const after2 = [after1[0]! - (0.5 * 3) / Math.sqrt(accumulator2), after1[1], after1[2]];
    const weight = table?.toFloat32() ?? new Float32Array();
    for (let d = 0; d < DIM; d++) expect(weight[12 + d]).toBeCloseTo(after2[d] as number, 6);
    expect(weight[0]).toBe(1);
    expect(optimizer.getState("p/")["p/user.accumulator"]?.data[4]).toBeCloseTo(accumulator2, 6);
  });

  it("saves and restores a window's pending rows exactly", () => {
    const { ids, rowGradients } = rowsOfWindow();
    const run = (pauseAfter?: number) => {
      let { embeddings, optimizer } = setup(optimizers.rowwise_adagrad);
      const settings = { steps: STEPS, parity: "intended" as const };
      let accumulation = new EmbeddingGradientAccumulation(embeddings.tables, settings);
      for (let call = 0; call < STEPS; call++) {
        const gradients = embeddings.gradients(
          { user: { values: ids.slice(call * MICRO, (call + 1) * MICRO), width: 1 } },
          MICRO,
          meanLossGradient(rowGradients, call * MICRO, MICRO),
        );
        accumulation.feed(gradients, call, optimizer);
        if (call !== pauseAfter) continue;
        const saved = accumulation.state("a/");
        expect(saved.arrays["a/user.rows"]?.shape[0]).toBeGreaterThan(0);
        const table = embeddings.tables[0]?.toFloat32().slice() ?? new Float32Array();
        const slots = optimizer.getState("o/");
        ({ embeddings, optimizer } = setup(optimizers.rowwise_adagrad));
        embeddings.tables[0]?.assign(table);
        optimizer.setState("o/", structuredClone(slots));
        accumulation = new EmbeddingGradientAccumulation(embeddings.tables, saved.json);
        accumulation.restore("a/", structuredClone(saved.arrays));
      }
      return embeddings.tables[0]?.toFloat32();
    };
    expect(run(1)).toEqual(run());
    expect(run(0)).toEqual(run());
  });

  it("refuses to resume under other accumulation settings (ConfigError)", () => {
    expect(() =>
      checkSameEmbeddingAccumulation(
        { steps: 2, parity: "intended" },
        { steps: 2, parity: "original" },
      ),
    ).toThrow(/gradient_accumulation 2 \(intended\).*gradient_accumulation 2 \(original\)/);
    expect(() =>
      checkSameEmbeddingAccumulation(undefined, { steps: 3, parity: "intended" }),
    ).toThrow(/no gradient accumulation/);
    checkSameEmbeddingAccumulation(
      { steps: 3, parity: "original" },
      { steps: 3, parity: "original" },
    );
  });
});
