import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { ConfigError, DataError } from "@tml/core";
import { loadSegdenseSchema, segdenseSchemaSchema } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { recapDataConfigSchema } from "../config/data-config.js";
import { loadRecapConfig } from "../config/load-recap-config.js";
import type { FeatureBatch, FeatureColumn } from "./feature-batch.js";
import { labelColumnIndices } from "./label-columns.js";
import { prepareRecapArrays } from "./prepare-recap-arrays.js";
import { disposeRecapBatch } from "./recap-batch.js";
import { toRecapBatch } from "./to-recap-batch.js";
import { usedFeatures } from "./used-features.js";

const schema = segdenseSchemaSchema.parse({
  schema: [
    { feature_name: "cont", dtype: "float_list", length: 4 },
    { feature_name: "bin", dtype: "int64_list", length: 3 },
    { feature_name: "disc", dtype: "int64_list", length: 2 },
    { feature_name: "L1", dtype: "int64_list", length: 1 },
    { feature_name: "L2", dtype: "int64_list", length: 1 },
    { feature_name: "L3", dtype: "int64_list", length: 1 },
    { feature_name: "emb", dtype: "float_list", length: 2 },
    { feature_name: "unused", dtype: "float_list", length: 1 },
  ],
});

const data = recapDataConfigSchema.parse({
  global_batch_size: 2,
  inputs: "x",
  seg_dense_schema: {
    schema_path: "unused.json",
    renamed_features: {
      continuous: "cont",
      binary: "bin",
      discrete: "disc",
      user_embedding: "emb",
    },
  },
  tasks: { L1: {}, L2: { pos_downsampling_rate: 0.5, neg_downsampling_rate: 0.1 }, L3: {} },
  preprocess: { truncate_and_slice: { continuous_feature_truncation: 3 } },
});

function raw(withLabels = true): FeatureBatch {
  const columns: [string, FeatureColumn][] = [
    ["cont", { values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), width: 4 }],
    ["bin", { values: new BigInt64Array([1n, 0n, 1n, 0n, 0n, 1n]), width: 3 }],
    ["disc", { values: new BigInt64Array([7n, 8n, 2n ** 40n + 5n, 9n]), width: 2 }],
    ["emb", { values: Float32Array.from([0.1, 0.2, 0.3, 0.4]), width: 2 }],
    ["unused", { values: Float32Array.from([9, 9]), width: 1 }],
  ];
  if (withLabels) {
    columns.push(["L1", { values: new BigInt64Array([1n, 0n]), width: 1 }]);
    columns.push(["L2", { values: new BigInt64Array([0n, 1n]), width: 1 }]);
    columns.push(["L3", { values: new BigInt64Array([1n, 1n]), width: 1 }]);
  }
  return { numRows: 2, features: new Map(columns) };
}

const round = (values: ArrayLike<number>) => Array.from(values, (v) => Number(v.toFixed(5)));

describe("prepareRecapArrays", () => {
  beforeAll(setupTestBackend);

  it("selects labels and keep-rate weights by task name (parity fixed)", () => {
    const arrays = prepareRecapArrays(raw(), "train", { data, modelTasks: ["L2", "L3"], schema });
    expect(arrays.continuous).toEqual({ values: Float32Array.from([1, 2, 3, 5, 6, 7]), width: 3 });
    expect([...arrays.binary.values]).toEqual([1, 0, 1, 0, 0, 1]);
    expect([...arrays.discrete.values]).toEqual([7, 8, 5, 9]);
    expect(round(arrays.embeddings.userEmbedding?.values ?? [])).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(arrays.labels.width).toBe(2);
    expect([...arrays.labels.values]).toEqual([0, 1, 1, 1]); // rows: (L2, L3)
    // L2: y = 0 → 1/0.1 = 10, y = 1 → 1/0.5 = 2; L3 rates are 1.
    expect(round(arrays.weights.values)).toEqual([10, 1, 2, 1]);
    expect(arrays.taskNames).toEqual(["L2", "L3"]);
  });

  it("rejects a label outside [0, 1], naming its column and row", () => {
    const features = new Map(raw().features);
    features.set("L3", { values: new BigInt64Array([1n, 1341532800n]), width: 1 });
    const batch = { numRows: 2, features };
    expect(() =>
      prepareRecapArrays(batch, "eval", { data, modelTasks: ["L2", "L3"], schema }),
    ).toThrow(
      expect.objectContaining({
        code: "DATA",
        message: expect.stringContaining('label column "L3" holds 1341532800 in row 1'),
      }),
    );
  });

  it("reproduces the original's positional labels with parity original", () => {
    const arrays = prepareRecapArrays(raw(), "train", {
      data,
      modelTasks: ["L2", "L3"],
      schema,
      parity: "original",
    });
    expect([...arrays.labels.values]).toEqual([1, 0, 0, 1]); // columns L1, L2
    expect(round(arrays.weights.values)).toEqual([1, 10, 1, 2]);
  });

  it("needs no labels in inference mode and gives zero labels and weights", () => {
    const arrays = prepareRecapArrays(raw(false), "inference", {
      data,
      modelTasks: ["L2", "L3"],
      schema,
    });
    expect([...arrays.labels.values]).toEqual([0, 0, 0, 0]);
    expect([...arrays.weights.values]).toEqual([0, 0, 0, 0]);
    expect(arrays.continuous.width).toBe(3);
    expect(() =>
      prepareRecapArrays(raw(false), "train", { data, modelTasks: ["L2"], schema }),
    ).toThrow(/feature "L1"/);
  });

  it("rejects widths that disagree with the schema", () => {
    const bad = raw();
    const features = new Map(bad.features);
    features.set("emb", { values: Float32Array.from([1, 2, 3, 4, 5, 6]), width: 3 });
    expect(() =>
      prepareRecapArrays({ numRows: 2, features }, "train", { data, modelTasks: ["L2"], schema }),
    ).toThrow(DataError);
  });

  it("makes tensors of the right shapes and dtypes and frees them all", () => {
    const before = tf.memory().numTensors;
    const batch = toRecapBatch(
      prepareRecapArrays(raw(), "train", { data, modelTasks: ["L2", "L3"], schema }),
    );
    expect(batch.size).toBe(2);
    expect(batch.continuous.shape).toEqual([2, 3]);
    expect(batch.binary.dtype).toBe("float32");
    expect(batch.discrete.dtype).toBe("int32");
    expect(batch.userEmbedding?.shape).toEqual([2, 2]);
    expect(batch.authorEmbedding).toBeUndefined();
    expect(batch.labels.arraySync()).toEqual([
      [0, 1],
      [1, 1],
    ]);
    disposeRecapBatch(batch);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("local_prod data", () => {
  const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
  const config = loadRecapConfig(`${configs}local_prod.yaml`, { env: { HOME: "/h" } });
  const modelTasks = Object.keys(config.model.tasks);
  const dataTasks = Object.keys(config.train_data.tasks);

  it("reads the 22-feature segdense schema and uses all of it", () => {
    const segdense = loadSegdenseSchema(config.train_data.seg_dense_schema.schema_path);
    expect(segdense.schema).toHaveLength(22);
    expect(segdense.schema[1]).toEqual({
      feature_name: "home_recap_2022_cont__segdense_vals",
      dtype: "float_list",
      length: 6000,
    });
    expect(usedFeatures(segdense, config.train_data)).toHaveLength(22);
  });

  it("aligns labels by name, or shifted by one as the original did", () => {
    const fixed = labelColumnIndices(modelTasks, dataTasks, "fixed");
    expect(fixed.map((index) => dataTasks[index])).toEqual(modelTasks);
    const original = labelColumnIndices(modelTasks, dataTasks, "original");
    expect(dataTasks[original[0] as number]).toBe("recap.engagement.is_bookmarked");
    expect(dataTasks[original[1] as number]).toBe("recap.engagement.is_favorited");
    // Column 9 of the 13 data tasks is is_retweeted (the spec's prose says is_shared, which is
    // column 10 and so never read by a 10-task model).
    expect(dataTasks[original[9] as number]).toBe("recap.engagement.is_retweeted");
    expect(() => labelColumnIndices(["nope"], dataTasks, "fixed")).toThrow(ConfigError);
  });
});
