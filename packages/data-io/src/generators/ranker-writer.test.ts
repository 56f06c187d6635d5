import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { iterateParquetBatches, readParquetFile } from "../parquet/index.js";
import { HOME_RECAP_2022_SEGDENSE, iterateTfRecordBatches } from "../tfrecord/index.js";
import { scratchDirs } from "./__fixtures__/scratch.js";
import { RankerGenerator } from "./ranker-generator.js";
import { writeRankerData } from "./ranker-writer.js";
import { RECAP_TASK_DEFAULTS } from "./recap-tasks.js";

const scratch = scratchDirs("tml-ranker-");

describe("writeRankerData", () => {
  it("writes full-layout segdense shards that read back with the same values", async () => {
    const dir = scratch();
    const report = await writeRankerData(dir, {
      seed: 2,
      rows: 5,
      shardRows: 3,
      users: 100,
      authors: 20,
    });
    expect(report.files).toEqual([
      { path: "part-00000.parquet", rows: 3 },
      { path: "part-00001.parquet", rows: 2 },
    ]);
    const schema = JSON.parse(readFileSync(join(dir, "segdense.json"), "utf8")).schema;
    expect(schema).toHaveLength(22);
    expect(schema[0]).toEqual({
      feature_name: "home_recap_2022_discrete__segdense_vals",
      dtype: "int64_list",
      length: 320,
    });
    expect(schema[1]).toEqual({
      feature_name: "home_recap_2022_cont__segdense_vals",
      dtype: "float_list",
      length: 6000,
    });
    expect(schema).toEqual(HOME_RECAP_2022_SEGDENSE.schema);
    const table = await readParquetFile(join(dir, "part-00001.parquet"));
    expect(table.numRows).toBe(2);
    expect(table.schema.fields.map((f) => f.name)).toEqual(
      schema.map((e: { feature_name: string }) => e.feature_name),
    );
    const continuous = table
      .getChild("home_recap_2022_cont__segdense_vals")!
      .get(1)!
      .toArray() as Float32Array;
    expect(continuous).toHaveLength(6000);
    const expected = new RankerGenerator({
      seed: 2,
      users: 100,
      authors: 20,
      calibrationRows: 1000,
    }).nextChunk(5);
    expect(continuous).toEqual(expected.continuous.subarray(4 * 6000));
    expect(table.getChild("meta.user_id")!.get(1)).toBe(expected.userId[4]);
    const labels = RECAP_TASK_DEFAULTS.map((task) => table.getChild(task.name)!.get(0));
    for (const label of labels) expect(label === 0n || label === 1n).toBe(true);
    // The typed-array reader the ranker uses sees fixed-width rows and scalar labels.
    for await (const batch of iterateParquetBatches(join(dir, "part-00000.parquet"))) {
      expect(batch.columns["home_recap_2022_cont__segdense_vals"]).toMatchObject({
        dtype: "float32",
        rowLength: 6000,
      });
      expect(batch.columns["home_recap_2022_binary__segdense_vals"]).toMatchObject({
        dtype: "int64",
        rowLength: 512,
      });
      expect(batch.columns["recap.engagement.is_replied"]).toMatchObject({
        dtype: "int64",
        rowLength: 1,
      });
      expect(batch.columns["meta.user_id"]!.values).toEqual(
        expected.userId.subarray(0, batch.numRows),
      );
    }
    const saved = JSON.parse(readFileSync(join(dir, "generator.json"), "utf8"));
    expect(saved.tasks["recap.engagement.is_favorited"].rows).toBe(5);
    expect(saved.informative.continuousColumns).toHaveLength(32);
  });

  it("writes GZIP TFRecord shards the segdense parser reads back", async () => {
    const dir = scratch();
    const options = {
      seed: 6,
      rows: 3,
      users: 50,
      authors: 10,
      layout: { continuous: 40, binary: 30, discrete: 5, embedding: 8 },
    };
    const report = await writeRankerData(dir, { ...options, format: "tfrecord" });
    expect(report.files).toEqual([{ path: "part-00000.tfrecord.gz", rows: 3 }]);
    const schema = JSON.parse(readFileSync(join(dir, "segdense.json"), "utf8"));
    const batches = [];
    for await (const batch of iterateTfRecordBatches(join(dir, "part-00000.tfrecord.gz"), {
      schema,
      compression: "gzip",
    }))
      batches.push(batch);
    const expected = new RankerGenerator(options).nextChunk(3);
    expect(batches[0]!.numRows).toBe(3);
    expect(batches[0]!.columns["home_recap_2022_cont__segdense_vals"]!.values).toEqual(
      expected.continuous,
    );
    expect(batches[0]!.columns["home_recap_2022_binary__segdense_vals"]!.values).toEqual(
      expected.binary,
    );
    expect(batches[0]!.columns["recap.engagement.is_favorited"]!.values).toEqual(
      expected.labels[8],
    );
  });

  it("parity mode writes the original's single example with labels 0–9", async () => {
    const dir = scratch();
    const report = await writeRankerData(dir, { seed: 1, rows: 100, parity: true });
    expect(report.rows).toBe(1);
    const table = await readParquetFile(join(dir, "random.parquet"));
    expect(table.numRows).toBe(1);
    const binary = table
      .getChild("home_recap_2022_binary__segdense_vals")!
      .get(0)!
      .toArray() as BigInt64Array;
    expect(binary.every((v) => v >= 0n && v < 10n)).toBe(true);
    expect(binary.some((v) => v > 1n)).toBe(true);
    const floats = table
      .getChild("home_recap_2022_cont__segdense_vals")!
      .get(0)!
      .toArray() as Float32Array;
    expect(floats.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("rejects bad row counts and unknown labels", async () => {
    await expect(writeRankerData(scratch(), { seed: 1, rows: 0 })).rejects.toThrow(ConfigError);
    await expect(
      writeRankerData(scratch(), { seed: 1, rows: 1, rates: { "recap.engagement.nope": 0.1 } }),
    ).rejects.toThrow(/unknown label/);
  });
});
