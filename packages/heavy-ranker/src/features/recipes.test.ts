import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { sharedDataDir } from "@tml/core/testing";
import {
  convertMovielens,
  FRAPPE_FIELDS,
  iterateParquetBatches,
  loadSegdenseSchema,
} from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { buildRankingModel } from "../model/build-model.js";
import { featureBatchFromColumns } from "./from-data-io.js";
import { disposeRecapBatch } from "./recap-batch.js";
import { createRecapFeaturizer } from "./recap-featurizer.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const env = { HOME: "/h", FRAPPE_PARQUET: "/data/frappe", MOVIELENS_PARQUET: "/data/ml" };

describe("real-data recipes", () => {
  beforeAll(setupTestBackend);

  it("frappe: ten id fields become the discrete features, nothing continuous", () => {
    const config = loadRecapConfig(`${configs}frappe-masknet.yaml`, { env });
    expect(config.train_data.inputs).toBe("/data/frappe/train.parquet");
    expect(Object.keys(config.validation_data)).toEqual(["valid", "test"]);
    // The BARS MaskNet recipe: batch 4096, one evaluation per epoch of 202,027 rows (49 full
    // batches), plateau ×0.1 (floor 1e-6) and early stopping on valid AUC, embedding L2 0.1 from
    // a 1e-4 start, 3 mask blocks of 50.
    expect(config.train_data.global_batch_size).toBe(4096);
    expect(config.training.eval_every_n).toBe(Math.floor(202_027 / 4096));
    expect(config.training.early_stopping).toMatchObject({ monitor: "auroc/label", patience: 2 });
    expect(config.training.reduce_lr_on_plateau).toMatchObject({
      monitor: "auroc/label",
      factor: 0.1,
      patience: 1,
      min_learning_rate: 1e-6,
    });
    expect(config.model.small_embeddings).toMatchObject({
      l2_regularization: 0.1,
      init_stddev: 1e-4,
    });
    // 16-d embeddings (BARS: 10; 16 measured 0.0005 higher over seeds 0-2).
    expect(config.model.small_embeddings?.tables.map((table) => table.embedding_dim)).toEqual(
      Array(10).fill(16),
    );
    // FuxiCTR's block: no hidden bias, LayerNorm → ReLU → dropout 0.1, in all three blocks.
    expect(config.model.backbone?.mask_net_config?.mask_blocks).toEqual(
      [0, 1, 2].map(() => ({
        output_size: 50,
        reduction_factor: 2,
        aggregation_size: null,
        input_layer_norm: false,
        activation: "relu",
        dropout: { rate: 0.1 },
        hidden_bias: false,
      })),
    );
    const schema = loadSegdenseSchema(config.train_data.seg_dense_schema.schema_path);
    expect(schema.schema[0]?.columns).toEqual(FRAPPE_FIELDS.map((field) => field.name));
    const tables = config.model.small_embeddings?.tables ?? [];
    FRAPPE_FIELDS.forEach((field, index) => {
      expect(tables[index]?.name).toBe(field.name);
      expect(tables[index]?.num_embeddings).toBe(
        (field.range?.[1] ?? 0) - (field.range?.[0] ?? 0) + 2,
      );
    });
    const rows = 3;
    const columns = Object.fromEntries(
      FRAPPE_FIELDS.map((field, f) => [
        field.name,
        {
          dtype: "int64" as const,
          values: BigInt64Array.from({ length: rows }, (_, r) => BigInt(f * 10 + r)),
          rowLength: 1,
          nullCount: 0,
        },
      ]),
    );
    columns["label"] = {
      dtype: "int64",
      values: new BigInt64Array([1n, 0n, 1n]),
      rowLength: 1,
      nullCount: 0,
    };
    const featurizer = createRecapFeaturizer(config.train_data, {
      modelTasks: Object.keys(config.model.tasks),
    });
    const batch = featurizer.featurize(featureBatchFromColumns({ numRows: rows, columns }));
    expect(batch.continuous.shape).toEqual([3, 0]);
    expect(batch.binary.shape).toEqual([3, 0]);
    expect(batch.discrete.arraySync()[1]).toEqual([1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
    expect(batch.labels.arraySync()).toEqual([[1], [0], [1]]);
    const model = buildRankingModel(config, { continuousWidth: 0, binaryWidth: 0 });
    const outputs = model.apply(batch, { training: false });
    expect(outputs.probabilities.shape).toEqual([3, 1]);
    tf.dispose([outputs.logits, outputs.probabilities, outputs.calibratedProbabilities]);
    model.dispose();
    disposeRecapBatch(batch);
  });

  it("frappe-dcnv2: the same data and monitors with BARS's DCNv2 backbone", () => {
    const masknet = loadRecapConfig(`${configs}frappe-masknet.yaml`, { env });
    const dcn = loadRecapConfig(`${configs}frappe-dcnv2.yaml`, { env });
    expect(dcn.train_data).toEqual(masknet.train_data);
    expect(dcn.validation_data).toEqual(masknet.validation_data);
    expect({ ...dcn.training, save_dir: "" }).toEqual({ ...masknet.training, save_dir: "" });
    expect(dcn.model.small_embeddings?.l2_regularization).toBe(0.05);
    expect(dcn.model.backbone?.dcn_config).toMatchObject({
      poly_degree: 4,
      projection_dim: null,
      use_parallel: true,
      parallel_mlp: { layer_sizes: [400, 400, 400], dropout: { rate: 0.4 } },
    });
  });

  it.skipIf(!sharedDataDir())(
    "movielens: converted Parquet columns match the schema and featurize",
    async () => {
      const out = mkdtempSync(join(tmpdir(), "movielens-"));
      const descriptor = await convertMovielens(
        join(sharedDataDir() as string, "movielens-100k"),
        out,
      );
      const config = loadRecapConfig(`${configs}movielens-multitask.yaml`, {
        env: { ...env, MOVIELENS_PARQUET: out },
      });
      const schema = loadSegdenseSchema(config.train_data.seg_dense_schema.schema_path);
      const byName = new Map(
        schema.schema.map((feature) => [feature.feature_name, feature.columns]),
      );
      expect(byName.get("movielens_dense")).toEqual(descriptor.dense);
      expect(byName.get("movielens_flags")).toEqual(descriptor.binary);
      expect(byName.get("movielens_ids")).toEqual(descriptor.ids.map((id) => id.name));
      expect(Object.keys(config.train_data.tasks)).toEqual(descriptor.labels);
      const tables = config.model.small_embeddings?.tables ?? [];
      expect(tables.map((table) => table.num_embeddings)).toEqual(
        descriptor.ids.map((id) => id.vocab_size),
      );
      expect(JSON.parse(readFileSync(join(out, "ranker.json"), "utf8")).splits.test.rows).toBe(
        9430,
      );

      const featurizer = createRecapFeaturizer(
        config.validation_data["test"] ?? config.train_data,
        {
          modelTasks: Object.keys(config.model.tasks),
        },
      );
      const source = iterateParquetBatches(join(out, "test.parquet"), { batchRows: 64 });
      const first = (await source.next()).value;
      await source.return(undefined);
      const batch = featurizer.featurize(featureBatchFromColumns(first));
      expect(batch.continuous.shape).toEqual([64, 9]);
      expect(batch.binary.shape).toEqual([64, 42]);
      expect(batch.discrete.shape).toEqual([64, 4]);
      const labels = batch.labels.arraySync();
      const ratings = first.columns["rating"]?.values as BigInt64Array;
      labels.forEach(([liked, loved, disliked], row) => {
        const rating = Number(ratings[row]);
        expect([liked, loved, disliked]).toEqual([
          rating >= 4 ? 1 : 0,
          rating === 5 ? 1 : 0,
          rating <= 2 ? 1 : 0,
        ]);
      });
      disposeRecapBatch(batch);
    },
  );
});
