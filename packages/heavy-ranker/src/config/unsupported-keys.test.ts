import { fileURLToPath } from "node:url";
import { ConfigError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { loadRecapConfig } from "./load-recap-config.js";

const localSmall = fileURLToPath(new URL("../../configs/local_small.yaml", import.meta.url));

function loadWith(override: string) {
  return () => loadRecapConfig(localSmall, { env: { HOME: "/h" }, overrides: [override] });
}

describe("keys rejected at load time", () => {
  it.each([
    [
      "train_data.file_batch_size=8",
      "train_data.file_batch_size: file_batch_size is not supported",
    ],
    ["train_data.cache=true", "train_data.cache: cache is not supported"],
    [
      "train_data.data_service_dispatcher=grpc://x",
      "train_data.data_service_dispatcher: data_service_dispatcher is not supported",
    ],
    [
      "train_data.map_num_parallel_calls=4",
      "train_data.map_num_parallel_calls: map_num_parallel_calls is not supported",
    ],
    [
      "train_data.interleave_num_parallel_calls=4",
      "train_data.interleave_num_parallel_calls: interleave_num_parallel_calls is not supported",
    ],
    [
      'train_data.sampler={"name":"no_such_sampler"}',
      'train_data.sampler.name: no sampler "no_such_sampler"',
    ],
    ["which_metrics=all", "which_metrics: which_metrics is not supported"],
    [
      'model.featurization_config={"z_score_log_config":{"analysis_path":"stats.json"}}',
      "model.featurization_config.z_score_log_config.analysis_path: z_score_log_config cannot load statistics",
    ],
    [
      'model.large_embeddings={"tables":[{"name":"u","num_embeddings":8,"embedding_dim":2,"discrete_indices":[0],"vocab":"ids.txt"}],"optimizer":{"init_learning_rate":0.1}}',
      "model.large_embeddings.tables[0].vocab: vocab ids.txt is not supported",
    ],
  ])("%s is a ConfigError naming the key", (override, message) => {
    expect(loadWith(override)).toThrow(ConfigError);
    expect(loadWith(override)).toThrow(message);
  });

  it("the defaults of those keys load", () => {
    expect(loadWith("train_data.file_batch_size=16")).not.toThrow();
  });
});
