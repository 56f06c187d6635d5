import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { writeRankerData } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { disposeRecapBatch } from "./recap-batch.js";
import { recapDatasetBatches } from "./recap-dataset.js";
import { createRecapFeaturizer } from "./recap-featurizer.js";

describe("recapDatasetBatches", () => {
  beforeAll(setupTestBackend);

  it("streams generated Parquet shards as local_small batches", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recap-data-"));
    await writeRankerData(dir, {
      rows: 300,
      shardRows: 128,
      seed: 5,
      users: 40,
      authors: 10,
      tweets: 500,
    });
    const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
    const config = loadRecapConfig(`${configs}local_small.yaml`, {
      env: { HOME: "/h" },
      overrides: [
        `train_data.inputs=${dir}/*.parquet`,
        `train_data.seg_dense_schema.schema_path=${dir}/segdense.json`,
      ],
    });
    const featurizer = createRecapFeaturizer(config.train_data, {
      modelTasks: Object.keys(config.model.tasks),
    });
    const before = tf.memory().numTensors;
    const indices: number[] = [];
    const sizes: number[] = [];
    for await (const batch of recapDatasetBatches(featurizer, { mode: "eval" })) {
      const rows = batch.size;
      expect(batch.continuous.shape).toEqual([rows, 512]);
      expect(batch.binary.shape).toEqual([rows, 59]);
      expect(batch.labels.shape).toEqual([rows, 4]);
      expect(batch.authorEmbedding?.shape).toEqual([rows, 200]);
      indices.push(batch.index);
      sizes.push(rows);
      disposeRecapBatch(batch);
    }
    // 300 rows in batches of 64: evaluation keeps the last 44 rows as a smaller batch.
    expect(indices).toEqual([0, 1, 2, 3, 4]);
    expect(sizes).toEqual([64, 64, 64, 64, 44]);
    expect(tf.memory().numTensors).toBe(before);

    const train = recapDatasetBatches(featurizer, { seed: 1 });
    let count = 0;
    for await (const batch of train) {
      disposeRecapBatch(batch);
      if (++count === 6) break; // train mode repeats past the 4 batches of one epoch
    }
    expect(count).toBe(6);
  });

  it("parses GZIP TFRecord files of tf.train.Example like the original's data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "recap-tfrecord-"));
    const layout = { continuous: 600, binary: 64, discrete: 8, embedding: 200 };
    await writeRankerData(dir, {
      rows: 130,
      seed: 6,
      users: 40,
      authors: 10,
      tweets: 500,
      layout,
      format: "tfrecord",
    });
    const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
    const config = loadRecapConfig(`${configs}local_small.yaml`, {
      env: { HOME: "/h" },
      overrides: [
        `train_data.inputs=${dir}/*.tfrecord.gz`,
        `train_data.seg_dense_schema.schema_path=${dir}/segdense.json`,
      ],
    });
    const featurizer = createRecapFeaturizer(config.train_data, {
      modelTasks: Object.keys(config.model.tasks),
    });
    const sizes: number[] = [];
    for await (const batch of recapDatasetBatches(featurizer, { mode: "eval" })) {
      expect(batch.continuous.shape).toEqual([batch.size, 512]);
      expect(batch.userEngEmbedding?.shape).toEqual([batch.size, 200]);
      sizes.push(batch.size);
      disposeRecapBatch(batch);
    }
    expect(sizes).toEqual([64, 64, 2]); // every one of the 130 rows
  });
});
