import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { UsageError } from "@tml/core";
import { loadOrtRuntime } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapModelConfigSchema } from "../config/model-config.js";
import type { EmbeddingName } from "../model/model-inputs.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { OnnxScorer } from "../serving/onnx-scorer.js";
import {
  disposeBatch,
  randomize,
  randomRecapBatch,
  recapModel,
} from "../serving/onnx-test-models.test-helper.js";
import { rankingModelOnnx, saveRankingModelOnnx } from "./onnx-export.js";

const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;

beforeAll(setupTestBackend);
afterAll(() => runtime?.dispose());

/** numpy-style allclose: |actual − expected| ≤ tolerance · (1 + |expected|) everywhere. */
function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < actual.length; index++) {
    const reference = expected[index] as number;
    const error = Math.abs((actual[index] as number) - reference) / (1 + Math.abs(reference));
    worst = Math.max(worst, error);
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** Compares the ONNX scorer with the tfjs model's eval forward pass on a random batch. */
async function expectMatchesTfjs(model: MultiTaskRankingModel, rows: number): Promise<void> {
  const batch = randomRecapBatch(model, rows, 11);
  const scorer = await OnnxScorer.create(model, {
    runtime: runtime as NonNullable<typeof runtime>,
  });
  try {
    const reference = model.apply(batch, { training: false });
    const scored = await scorer.apply(batch, { training: false });
    expectClose(
      scored.logits.dataSync() as Float32Array,
      reference.logits.dataSync() as Float32Array,
      1e-5,
    );
    expectClose(
      scored.calibratedProbabilities.dataSync() as Float32Array,
      reference.calibratedProbabilities.dataSync() as Float32Array,
      1e-5,
    );
    expectClose(
      scored.probabilities.dataSync() as Float32Array,
      reference.probabilities.dataSync() as Float32Array,
      1e-5,
    );
    tf.dispose([reference, scored] as unknown as tf.Tensor[]);
  } finally {
    scorer.dispose();
    disposeBatch(batch);
  }
}

describe.skipIf(!runtime)("ONNX compilation matches the tfjs model (fp32)", () => {
  for (const file of ["local_small.yaml", "frappe-masknet.yaml", "movielens-multitask.yaml"]) {
    it(`${file}: logits and probabilities within 1e-5`, async () => {
      const model = recapModel(file, 3);
      try {
        await expectMatchesTfjs(model, 9);
      } finally {
        model.dispose();
      }
    });
  }

  it("local_prod (48M parameters, MaskNet 4 × 1024, 10 BN towers) within 1e-5", async () => {
    const model = recapModel("local_prod.yaml", 4);
    try {
      await expectMatchesTfjs(model, 3);
    } finally {
      model.dispose();
    }
  });

  it("z-score, serial MaskNet with input norm and a FuxiCTR block, share_partial, affine maps, position debias", async () => {
    const config = recapModelConfigSchema.parse({
      multi_task_type: "share_partial",
      featurization_config: {
        z_score_log_config: { analysis_path: "stats", clip_magnitude: 3, use_batch_norm: true },
      },
      position_debias_config: { max_position: 6, num_dims: 3, position_feature_index: 2 },
      small_embeddings: {
        tables: [{ name: "tab", num_embeddings: 7, embedding_dim: 4, index: 1 }],
      },
      backbone: {
        mask_net_config: {
          use_parallel: false,
          mask_blocks: [
            { output_size: 8, reduction_factor: 0.5, input_layer_norm: true },
            {
              output_size: 6,
              aggregation_size: 5,
              input_layer_norm: true,
              activation: "relu",
              dropout: { rate: 0.2 },
              hidden_bias: false,
            },
          ],
        },
      },
      tasks: {
        "a.b": {
          mlp_config: { layer_sizes: [7, 5, 1], batch_norm: { affine: true, momentum: 0.1 } },
          affine_map: { scale: 1.7, bias: -0.3 },
        },
        c: { mlp_config: { layer_sizes: [4, 1], dropout: { rate: 0.3 } } },
      },
    });
    const zScoreStatistics = { mean: [0.1, -0.2, 0.3, 0, 1], std: [1, 2, 0.5, 0, 3] };
    const embeddingNames: EmbeddingName[] = ["user_embedding", "author_embedding"];
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 5,
      binaryWidth: 3,
      embeddingNames,
      zScoreStatistics,
      calibrationRatios: { "a.b": 0.1 },
      seed: 9,
    });
    randomize(model, 5);
    try {
      await expectMatchesTfjs(model, 13);
    } finally {
      model.dispose();
    }
  });

  it("share_none: towers of their own kind (MaskNet, MLP) on the input, clip_log1p_abs", async () => {
    const config = recapModelConfigSchema.parse({
      featurization_config: { clip_log1p_abs_config: { clip_magnitude: 2 } },
      tasks: {
        masked: {
          mask_net_config: {
            use_parallel: true,
            mask_blocks: [{ output_size: 6, aggregation_size: 4, input_layer_norm: false }],
            mlp: { layer_sizes: [5, 1] },
          },
        },
        plain: { mlp_config: { layer_sizes: [3, 1] } },
      },
    });
    const model = new MultiTaskRankingModel({
      config,
      continuousWidth: 4,
      binaryWidth: 2,
      seed: 1,
    });
    randomize(model, 2);
    try {
      await expectMatchesTfjs(model, 5);
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!runtime)("ONNX int8, files and serving", () => {
  it("int8 quantises every dense layer wider than one output and stays close to fp32", async () => {
    const model = recapModel("movielens-multitask.yaml", 6);
    const graph = await rankingModelOnnx(model, { precision: "int8" });
    const quantized = graph.nodes.filter((node) => node.opType === "DynamicQuantizeMatMul");
    const dense = [...model.namedWeights().entries()].filter(
      ([key, variable]) => variable.rank === 2 && !/embedding|affine/.test(key),
    );
    const wide = dense.filter(([, variable]) => (variable.shape[0] as number) > 1);
    expect(quantized).toHaveLength(wide.length);
    expect(graph.nodes.filter((node) => node.opType === "MatMul")).toHaveLength(
      dense.length - wide.length,
    );
    const batch = randomRecapBatch(model, 32, 8);
    const fp32 = await OnnxScorer.create(model, {
      runtime: runtime as NonNullable<typeof runtime>,
    });
    const int8 = await OnnxScorer.create(model, {
      runtime: runtime as NonNullable<typeof runtime>,
      precision: "int8",
    });
    try {
      const exact = await fp32.apply(batch, { training: false });
      const approximate = await int8.apply(batch, { training: false });
      const p = exact.probabilities.dataSync();
      const q = approximate.probabilities.dataSync();
      let worst = 0;
      let moved = 0;
      for (let index = 0; index < p.length; index++) {
        const delta = Math.abs((p[index] as number) - (q[index] as number));
        worst = Math.max(worst, delta);
        if (delta > 0) moved += 1;
      }
      expect(moved).toBeGreaterThan(0); // really a different (quantised) computation
      expect(worst).toBeLessThan(0.02);
      tf.dispose([exact, approximate] as unknown as tf.Tensor[]);
    } finally {
      fp32.dispose();
      int8.dispose();
      model.dispose();
      disposeBatch(batch);
    }
  });

  it("writes an .onnx file atomically that scores like the in-memory graph", async () => {
    const model = recapModel("frappe-masknet.yaml", 7);
    const directory = mkdtempSync(join(tmpdir(), "tml-onnx-"));
    try {
      const path = join(directory, "model.onnx");
      const size = await saveRankingModelOnnx(model, path);
      expect(readdirSync(directory)).toEqual(["model.onnx"]);
      const bytes = new Uint8Array(readFileSync(path));
      expect(bytes.length).toBe(size);
      const session = (runtime as NonNullable<typeof runtime>).load(bytes);
      const discrete = Int32Array.from({ length: 20 }, (_, index) => index * 37 - 3);
      const fromFile = new Float32Array(2);
      session.run(
        { discrete: { data: discrete, shape: [2, 10] } },
        { probabilities: { data: fromFile, shape: [2, 1] } },
      );
      session.dispose();
      const scorer = await OnnxScorer.create(model, {
        runtime: runtime as NonNullable<typeof runtime>,
      });
      expect(Array.from(scorer.score({ discrete }, 2).probabilities)).toEqual(Array.from(fromFile));
      scorer.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
      model.dispose();
    }
  });

  it("names the unsupported layer (DCN) in a UsageError", async () => {
    const config = recapModelConfigSchema.parse({
      tasks: { t: { dcn_config: { poly_degree: 2, output_mlp: { layer_sizes: [1] } } } },
    });
    const model = new MultiTaskRankingModel({ config, continuousWidth: 3, binaryWidth: 2 });
    try {
      await expect(rankingModelOnnx(model)).rejects.toThrow(UsageError);
      await expect(rankingModelOnnx(model)).rejects.toThrow(/_towers\.t uses dcn_config/);
    } finally {
      model.dispose();
    }
  });
});
