import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { RankerGenerator } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { featureBatchFromColumns, featureBatchFromRankerChunk } from "./from-data-io.js";
import { disposeRecapBatch } from "./recap-batch.js";
import { createRecapFeaturizer } from "./recap-featurizer.js";

describe("data-io adapters", () => {
  beforeAll(setupTestBackend);

  it("turns generated full-layout rows into a local_prod RecapBatch", () => {
    const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
    const config = loadRecapConfig(`${configs}local_prod.yaml`, { env: { HOME: "/h" } });
    const modelTasks = Object.keys(config.model.tasks);
    const featurizer = createRecapFeaturizer(config.train_data, { modelTasks });
    const chunk = new RankerGenerator({ seed: 7, users: 50, authors: 20, tweets: 1000 }).nextChunk(
      6,
    );
    const before = tf.memory().numTensors;
    const batch = featurizer.featurize(featureBatchFromRankerChunk(chunk));
    expect(batch.continuous.shape).toEqual([6, 2117]);
    expect(batch.binary.shape).toEqual([6, 59]);
    expect(batch.discrete.shape).toEqual([6, 320]);
    expect(batch.userEmbedding?.shape).toEqual([6, 200]);
    expect(batch.userEngEmbedding?.shape).toEqual([6, 200]);
    expect(batch.authorEmbedding?.shape).toEqual([6, 200]);
    expect(batch.labels.shape).toEqual([6, 10]);
    const favorited = chunk.labels[
      chunk.taskNames.indexOf("recap.engagement.is_favorited")
    ] as BigInt64Array;
    const favoritedColumn = tf.slice(batch.labels, [0, 0], [6, 1]);
    expect(favoritedColumn.dataSync()).toEqual(Float32Array.from(favorited, Number));
    expect(batch.continuous.dataSync()[2 * 2117 + 5]).toBe(chunk.continuous[2 * 6000 + 5]);
    expect(batch.weights.dataSync().every((weight) => weight === 1)).toBe(true);
    disposeRecapBatch(batch);
    favoritedColumn.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("wraps data-io column batches and rejects variable-length lists", () => {
    const batch = featureBatchFromColumns({
      numRows: 2,
      columns: {
        a: {
          dtype: "float32",
          values: Float32Array.from([1, 2, 3, 4]),
          rowLength: 2,
          nullCount: 0,
        },
      },
    });
    expect(batch.features.get("a")?.width).toBe(2);
    expect(() =>
      featureBatchFromColumns({
        numRows: 1,
        columns: {
          v: {
            dtype: "int64",
            values: new BigInt64Array(2),
            rowLength: -1,
            offsets: Int32Array.from([0, 2]),
            nullCount: 0,
          },
        },
      }),
    ).toThrow(/variable-length/);
  });
});
