import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeRankerData } from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { disposeRecapBatch } from "./recap-batch.js";
import { recapDatasetBatches, recapTrainBatchesPerEpoch } from "./recap-dataset.js";
import { createRecapFeaturizer } from "./recap-featurizer.js";

// 300 rows in shards of 100 (three Parquet files); local_small reads batches of 64.
let dir: string;
beforeAll(async () => {
  await setupTestBackend();
  dir = mkdtempSync(join(tmpdir(), "recap-keys-"));
  await writeRankerData(dir, {
    rows: 300,
    shardRows: 100,
    seed: 3,
    users: 40,
    authors: 10,
    tweets: 500,
  });
});

function featurizer(overrides: string[]) {
  const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
  const config = loadRecapConfig(`${configs}local_small.yaml`, {
    env: { HOME: "/h" },
    overrides: [
      `train_data.inputs=${dir}/*.parquet`,
      `train_data.seg_dense_schema.schema_path=${dir}/segdense.json`,
      ...overrides,
    ],
  });
  return createRecapFeaturizer(config.train_data, { modelTasks: Object.keys(config.model.tasks) });
}

async function countTrainBatches(
  overrides: string[],
  onSkippedFile?: (file: string, error: Error, skipped: number) => void,
): Promise<number> {
  let count = 0;
  const batches = recapDatasetBatches(featurizer(overrides), {
    mode: "train",
    ...(onSkippedFile ? { onSkippedFile } : {}),
  });
  for await (const batch of batches) {
    disposeRecapBatch(batch);
    if (++count === 20) break; // more than any single pass holds
  }
  return count;
}

describe("train_data keys", () => {
  it("repeat_files: true repeats the files; false reads them once and the stream ends", async () => {
    expect(await countTrainBatches([])).toBe(20);
    expect(await countTrainBatches(["train_data.repeat_files=false"])).toBe(4); // ⌊300 / 64⌋
  });

  it("training batches per epoch (num_epochs) count the Parquet rows: ⌊300 / 64⌋", async () => {
    expect(await recapTrainBatchesPerEpoch(featurizer([]))).toBe(4);
  });

  it("ignore_data_errors skips a truncated file with a report and a count; without it the file fails", async () => {
    const copy = mkdtempSync(join(tmpdir(), "recap-keys-truncated-"));
    const files = readdirSync(dir)
      .filter((name) => name.endsWith(".parquet"))
      .sort();
    for (const name of readdirSync(dir))
      writeFileSync(join(copy, name), readFileSync(join(dir, name)));
    const bytes = readFileSync(join(dir, files[1]!));
    writeFileSync(join(copy, files[1]!), bytes.subarray(0, bytes.length >> 1));
    const inputs = [`train_data.inputs=${copy}/*.parquet`, "train_data.repeat_files=false"];
    await expect(countTrainBatches(inputs)).rejects.toThrow(files[1]!);
    const skipped: [string, number][] = [];
    const count = await countTrainBatches(
      [...inputs, "train_data.ignore_data_errors=true"],
      (file, _error, total) => skipped.push([file, total]),
    );
    expect(skipped).toEqual([[join(copy, files[1]!), 1]]);
    expect(count).toBe(3); // ⌊200 / 64⌋ from the two readable files
  });
});
