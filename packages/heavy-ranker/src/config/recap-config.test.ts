import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfigText } from "@tml/core";
import { describe, expect, it } from "vitest";
import { loadRecapConfig } from "./load-recap-config.js";
import { recapConfigSchema } from "./recap-config.js";

const configs = fileURLToPath(new URL("../../configs/", import.meta.url));
const P = "recap.engagement.";

describe("configs/local_prod.yaml", () => {
  const config = loadRecapConfig(`${configs}local_prod.yaml`, { env: { HOME: "/home/u" } });

  it("keeps the original's training values and defaults", () => {
    expect(config.training.num_train_steps).toBe(10);
    expect(config.training.save_dir).toBe("/home/u/tmp/runs/recap_local_debug");
    expect(config.training.eval_timeout_in_s).toBe(7200);
    expect(config.training.num_eval_steps).toBe(5);
    expect(config.training.gradient_accumulation).toBeUndefined();
    expect(config.parity).toBe("fixed");
  });

  it("has 10 model tasks and 13 data tasks in the original order", () => {
    const modelTasks = Object.keys(config.model.tasks);
    expect(modelTasks).toHaveLength(10);
    expect(modelTasks[0]).toBe(`${P}is_favorited`);
    expect(modelTasks[9]).toBe(`${P}is_video_playback_50`);
    const dataTasks = Object.keys(config.train_data.tasks);
    expect(dataTasks).toHaveLength(13);
    expect(dataTasks[0]).toBe(`${P}is_bookmarked`);
    expect(dataTasks[12]).toBe(`${P}is_video_playback_50`);
    expect(config.train_data.tasks[`${P}is_favorited`]).toEqual({
      pos_downsampling_rate: 1,
      neg_downsampling_rate: 1,
    });
  });

  it("expands anchors and merge keys into 12 validation sets with per-task keep rates", () => {
    const names = Object.keys(config.validation_data);
    expect(names).toHaveLength(12);
    expect(names.slice(0, 2)).toEqual(["validation", "train"]);
    const report = config.validation_data[`${P}is_report_tweet_clicked`];
    expect(report?.evaluation_tasks).toEqual([`${P}is_report_tweet_clicked`]);
    expect(report?.tasks[`${P}is_report_tweet_clicked`]?.neg_downsampling_rate).toBeCloseTo(
      0.000014,
      12,
    );
    expect(report?.tasks[`${P}is_favorited`]?.neg_downsampling_rate).toBe(1);
    expect(Object.keys(report?.tasks ?? {})).toHaveLength(13);
    expect(config.validation_data[`${P}is_favorited`]?.tasks[`${P}is_favorited`]).toEqual({
      pos_downsampling_rate: 0.8387,
      neg_downsampling_rate: 0.01,
    });
    expect(report?.preprocess?.truncate_and_slice?.continuous_feature_truncation).toBe(2117);
  });

  it("resolves the segdense schema next to the config and reads the data options", () => {
    expect(existsSync(config.train_data.seg_dense_schema.schema_path)).toBe(true);
    expect(config.train_data.inputs).toBe("/home/u/tmp/recap_local_random_data/*.gz");
    expect(config.train_data.dataset_service_compression).toBe("AUTO");
    expect(config.train_data.seg_dense_schema.renamed_features["continuous"]).toBe(
      "home_recap_2022_cont__segdense_vals",
    );
    expect(config.train_data.preprocess?.truncate_and_slice?.binary_feature_truncation).toBe(59);
  });

  it("has per-tower ramps, the backbone ramp and Adam betas", () => {
    const rates = config.optimizer.multi_task_learning_rates;
    expect(rates?.backbone_learning_rate?.linear_ramp_to_constant).toEqual({
      learning_rate: 0.0001,
      num_ramp_steps: 1000,
    });
    expect(rates?.tower_learning_rates[`${P}is_favorited`]?.linear_ramp_to_constant).toEqual({
      learning_rate: 0.0008,
      num_ramp_steps: 5000,
    });
    expect(Object.keys(rates?.tower_learning_rates ?? {})).toHaveLength(10);
    expect(config.optimizer.adam).toEqual({ beta_1: 0.95, beta_2: 0.999, epsilon: 1e-7 });
  });

  it("accepts key.path=value overrides", () => {
    const overridden = loadRecapConfig(`${configs}local_prod.yaml`, {
      env: { HOME: "/h" },
      overrides: ["parity=original", "training.num_train_steps=3"],
    });
    expect(overridden.parity).toBe("original");
    expect(overridden.training.num_train_steps).toBe(3);
  });
});

const minimal = (extra: string, data = "") => `
model:
  tasks:
    a: { mlp_config: { layer_sizes: [1] } }
train_data:
  global_batch_size: 4
  inputs: "x/*.parquet"
  seg_dense_schema: { schema_path: s.json }
  tasks: { a: {}, b: {} }
${data}
validation_data: {}
optimizer:
  adam: {}
  single_task_learning_rate: { constant: 0.1 }
${extra}
`;

function errorOf(text: string): ConfigError {
  try {
    loadConfigText(recapConfigSchema, text, { source: "t.yaml" });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("recapConfigSchema", () => {
  it("fills defaults for a minimal config", () => {
    const config = loadConfigText(recapConfigSchema, minimal(""));
    expect(config.training.num_train_steps).toBe(1_000_000);
    expect(config.training.save_dir).toBe("/tmp/model");
    expect(config.train_data.file_batch_size).toBe(16);
    expect(config.train_data.evaluation_tasks).toEqual([]);
    expect(config.optimizer.adam.epsilon).toBe(1e-7);
  });

  it("rejects unknown keys with their path", () => {
    expect(errorOf(minimal("", "  bogus_key: 1")).message).toMatch(
      /train_data.*bogus_key|bogus_key/,
    );
    expect(errorOf(minimal("training: { num_epoch: 2 }")).message).toMatch(/training.*num_epoch/);
    // num_epochs (core's training key) is read: trainHeavyRanker counts the rows per epoch.
    expect(
      loadConfigText(recapConfigSchema, minimal("training: { num_epochs: 2 }")).training.num_epochs,
    ).toBe(2);
  });

  it("requires exactly one input selection", () => {
    const both = minimal(
      "",
      "  explicit_datetime_inputs: { data_root: r, end_datetime: 2023/01/01/00, hours: 2 }",
    );
    expect(errorOf(both).message).toMatch(/inputs/);
    const none = minimal("").replace('  inputs: "x/*.parquet"\n', "");
    expect(errorOf(none).message).toMatch(/Exactly one of inputs/);
  });

  it("requires exactly one learning-rate kind", () => {
    const text = minimal("").replace(
      "single_task_learning_rate: { constant: 0.1 }",
      "multi_task_learning_rates: { tower_learning_rates: {} }\n  single_task_learning_rate: { constant: 0.1 }",
    );
    expect(errorOf(text).message).toMatch(/multi_task_learning_rates/);
  });

  it("checks evaluation tasks, labels by name and empty preprocess", () => {
    expect(errorOf(minimal("", "  evaluation_tasks: [c]")).message).toMatch(/evaluation task "c"/);
    expect(errorOf(minimal("", "  preprocess: {}")).message).toMatch(/No known preprocessor/);
    const missingLabel = minimal("").replace("tasks: { a: {}, b: {} }", "tasks: { b: {} }");
    expect(errorOf(missingLabel).message).toMatch(/model task "a" has no label/);
    expect(() =>
      loadConfigText(recapConfigSchema, `${missingLabel}\nparity: original`),
    ).not.toThrow();
    const tooFew = minimal("parity: original").replace("tasks: { a: {}, b: {} }", "tasks: {}");
    expect(errorOf(tooFew).message).toMatch(/aligns labels by position/);
  });

  it("rejects keep rates outside (0, 1]", () => {
    expect(
      errorOf(minimal("").replace("a: {}, b", "a: { neg_downsampling_rate: 0 }, b")).message,
    ).toMatch(/neg_downsampling_rate/);
  });
});
