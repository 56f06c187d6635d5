import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { loadOrtRuntime, Rng, UsageError } from "@tml/core";
import { setupTestBackend } from "@tml/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { modelConfigSchema } from "../config/model-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import { buildRankingModel, truncatedWidths } from "../model/build-model.js";
import type { EmbeddingName } from "../model/model-inputs.js";
import { MultiTaskRankingModel } from "../model/ranking-model.js";
import { OnnxScorer } from "../serving/onnx-scorer.js";
import { rankCandidates } from "../serving/rank-candidates.js";
import { rankingModelOnnx, saveRankingModelOnnx } from "./onnx-export.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const loaded = loadOrtRuntime(1);
const runtime = loaded.ok ? loaded.runtime : undefined;
const FIELDS = {
  user_embedding: "userEmbedding",
  user_eng_embedding: "userEngEmbedding",
  author_embedding: "authorEmbedding",
} as const;

beforeAll(setupTestBackend);
afterAll(() => runtime?.dispose());

/** Moves buffers and affine parameters off their initial values (BN statistics included). */
function randomize(model: MultiTaskRankingModel, seed: number): void {
  const rng = new Rng(seed);
  for (const [name, variable] of model.namedWeights()) {
    if (variable.dtype !== "float32" || name.includes("small_embeddings")) continue;
    const leaf = name.split(".").at(-1);
    const draw = (): number | undefined => {
      if (leaf === "running_mean") return rng.normal() * 0.3;
      if (leaf === "running_var") return 0.5 + rng.next();
      if (leaf === "ratio") return 0.25 + rng.next();
      if (variable.rank === 1 && leaf === "weight") return 1 + 0.2 * rng.normal();
      if (variable.rank === 1 && leaf === "bias") return 0.1 * rng.normal();
      return undefined;
    };
    if (draw() === undefined) continue;
    const values = Float32Array.from({ length: variable.size }, () => draw() as number);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
}

/** Features with NaN/±inf, tiny and huge magnitudes, negative and out-of-range ids. */
function randomBatch(model: MultiTaskRankingModel, rows: number, seed: number): RecapBatch {
  const rng = new Rng(seed);
  const { continuousWidth, binaryWidth, embeddingNames = [] } = model.options;
  const special = [Number.NaN, Number.POSITIVE_INFINITY, -1e-7, 3e-6, 1e6, -250];
  const continuous = Float32Array.from({ length: rows * continuousWidth }, (_, index) =>
    index % 97 < special.length ? (special[index % 97] as number) : rng.normal() * 20,
  );
  const binary = Float32Array.from({ length: rows * binaryWidth }, () =>
    rng.next() < 0.3 ? 1 : 0,
  );
  const discrete = Int32Array.from({ length: rows * 12 }, () => rng.int(5000) - 100);
  const tasks = model.taskNames.length;
  const batch: Record<string, unknown> = {
    size: rows,
    continuous: tf.tensor2d(continuous, [rows, continuousWidth]),
    binary: tf.tensor2d(binary, [rows, binaryWidth]),
    discrete: tf.tensor2d(discrete, [rows, 12], "int32"),
    labels: tf.zeros([rows, tasks]),
    weights: tf.zeros([rows, tasks]),
    taskNames: model.taskNames,
  };
  for (const name of embeddingNames) {
    const values = Float32Array.from({ length: rows * 200 }, () => rng.normal());
    batch[FIELDS[name]] = tf.tensor2d(values, [rows, 200]);
  }
  return batch as unknown as RecapBatch;
}

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
function expectMatchesTfjs(model: MultiTaskRankingModel, rows: number): void {
  const batch = randomBatch(model, rows, 11);
  const scorer = OnnxScorer.create(model, { runtime: runtime as NonNullable<typeof runtime> });
  try {
    const reference = model.apply(batch, { training: false });
    const scored = scorer.apply(batch, { training: false });
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
    tf.dispose(Object.values(batch).filter((value) => value instanceof tf.Tensor));
  }
}

function recapModel(file: string, seed: number): MultiTaskRankingModel {
  const config = loadRecapConfig(`${configs}${file}`, {
    env: { HOME: "/tmp", FRAPPE_PARQUET: "/tmp", MOVIELENS_PARQUET: "/tmp" },
  });
  const widths = truncatedWidths(config);
  const model = buildRankingModel(config, {
    continuousWidth: widths.continuousWidth ?? (file.startsWith("frappe") ? 0 : 2117),
    binaryWidth: widths.binaryWidth ?? (file.startsWith("frappe") ? 0 : 59),
  });
  randomize(model, seed);
  return model;
}

describe.skipIf(!runtime)("ONNX compilation matches the tfjs model (fp32)", () => {
  for (const file of ["local_small.yaml", "frappe-masknet.yaml", "movielens-multitask.yaml"]) {
    it(`${file}: logits and probabilities within 1e-5`, () => {
      const model = recapModel(file, 3);
      try {
        expectMatchesTfjs(model, 9);
      } finally {
        model.dispose();
      }
    });
  }

  it("local_prod (48M parameters, MaskNet 4 × 1024, 10 BN towers) within 1e-5", () => {
    const model = recapModel("local_prod.yaml", 4);
    try {
      expectMatchesTfjs(model, 3);
    } finally {
      model.dispose();
    }
  });

  it("z-score, serial MaskNet with input norm, share_partial, affine maps, position debias", () => {
    const config = modelConfigSchema.parse({
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
            { output_size: 6, aggregation_size: 5, input_layer_norm: true },
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
      expectMatchesTfjs(model, 13);
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!runtime)("ONNX int8, files and serving", () => {
  it("int8 quantises every dense layer wider than one output and stays close to fp32", () => {
    const model = recapModel("movielens-multitask.yaml", 6);
    const graph = rankingModelOnnx(model, { precision: "int8" });
    const quantized = graph.nodes.filter((node) => node.opType === "DynamicQuantizeMatMul");
    const dense = [...model.namedWeights().entries()].filter(
      ([, variable]) => variable.rank === 2 && !/embedding|affine/.test(variable.name),
    );
    const wide = dense.filter(([, variable]) => (variable.shape[0] as number) > 1);
    expect(quantized).toHaveLength(wide.length);
    expect(graph.nodes.filter((node) => node.opType === "MatMul")).toHaveLength(
      dense.length - wide.length,
    );
    const batch = randomBatch(model, 32, 8);
    const fp32 = OnnxScorer.create(model, { runtime: runtime as NonNullable<typeof runtime> });
    const int8 = OnnxScorer.create(model, {
      runtime: runtime as NonNullable<typeof runtime>,
      precision: "int8",
    });
    try {
      const exact = fp32.apply(batch, { training: false });
      const approximate = int8.apply(batch, { training: false });
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
      tf.dispose(Object.values(batch).filter((value) => value instanceof tf.Tensor));
    }
  });

  it("writes an .onnx file atomically that scores like the in-memory graph", () => {
    const model = recapModel("frappe-masknet.yaml", 7);
    const directory = mkdtempSync(join(tmpdir(), "tml-onnx-"));
    try {
      const path = join(directory, "model.onnx");
      const size = saveRankingModelOnnx(model, path);
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
      const scorer = OnnxScorer.create(model, { runtime: runtime as NonNullable<typeof runtime> });
      expect(Array.from(scorer.score({ discrete }, 2).probabilities)).toEqual(Array.from(fromFile));
      scorer.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
      model.dispose();
    }
  });

  it("ranks candidates like the tfjs model and checks its inputs", () => {
    const model = recapModel("local_small.yaml", 8);
    const batch = randomBatch(model, 16, 9);
    const scorer = OnnxScorer.create(model, { runtime: runtime as NonNullable<typeof runtime> });
    try {
      const fromTfjs = rankCandidates(model, batch).map((candidate) => candidate.index);
      const fromOnnx = rankCandidates(scorer, batch).map((candidate) => candidate.index);
      expect(fromOnnx).toEqual(fromTfjs);
      expect(() => scorer.score({}, 2)).toThrow(/no continuous/);
      const continuous = new Float32Array(2 * 512);
      expect(() => scorer.score({ continuous, binary: new Float32Array(3) }, 2)).toThrow(
        /binary has 3 values; 2 rows of 59 columns/,
      );
    } finally {
      scorer.dispose();
      model.dispose();
      tf.dispose(Object.values(batch).filter((value) => value instanceof tf.Tensor));
    }
  });

  it("names the unsupported layer (DCN) in a UsageError", () => {
    const config = modelConfigSchema.parse({
      tasks: { t: { dcn_config: { poly_degree: 2, output_mlp: { layer_sizes: [1] } } } },
    });
    const model = new MultiTaskRankingModel({ config, continuousWidth: 3, binaryWidth: 2 });
    try {
      expect(() => rankingModelOnnx(model)).toThrow(UsageError);
      expect(() => rankingModelOnnx(model)).toThrow(/_towers\.t uses dcn_config/);
    } finally {
      model.dispose();
    }
  });
});
