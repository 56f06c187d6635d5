import type { z } from "zod";

/** A dataset's keys that only tune the original's tf.data / dataset-service infrastructure. */
interface InfrastructureKeys {
  file_batch_size: number;
  cache: boolean;
  data_service_dispatcher: string | null;
  dataset_service_compression: string | null;
  map_num_parallel_calls: number | null;
  interleave_num_parallel_calls: number | null;
  sampler: { name: string } | null;
}

const REJECTED: ReadonlyArray<{
  key: keyof InfrastructureKeys;
  isDefault: (data: InfrastructureKeys) => boolean;
  instead: string;
}> = [
  {
    key: "file_batch_size",
    isDefault: (data) => data.file_batch_size === 16,
    instead:
      "files are read one at a time, a row group ahead; remove it (mix files with examples_shuffle_buffer_size)",
  },
  {
    key: "cache",
    isDefault: (data) => !data.cache,
    instead:
      "nothing caches decoded batches here; remove it (Parquet row groups are read as needed)",
  },
  {
    key: "data_service_dispatcher",
    isDefault: (data) => data.data_service_dispatcher === null,
    instead: "there is no tf.data service here; remove it (data is read by the training process)",
  },
  {
    key: "dataset_service_compression",
    // Only a data service compresses (as in the original, it is inert without a dispatcher):
    // local_prod.yaml's `AUTO` loads, and the dispatcher's own error covers the rest.
    isDefault: (data) =>
      data.dataset_service_compression === null || data.data_service_dispatcher === null,
    instead: "there is no tf.data service to compress for; remove it",
  },
  {
    key: "map_num_parallel_calls",
    isDefault: (data) => data.map_num_parallel_calls === null,
    instead: "parsing runs on the training thread; remove it (set threads with --threads)",
  },
  {
    key: "interleave_num_parallel_calls",
    isDefault: (data) => data.interleave_num_parallel_calls === null,
    instead: "files are not interleaved; remove it (set threads with --threads)",
  },
];

/**
 * Refinement of a Heavy Ranker dataset: the original's infrastructure-only keys
 * (`projects/home/recap/data/config.py`: file batching, caching, tf.data service, parallel calls)
 * load at their defaults and are a config error, naming the key and what to do, at any other
 * value; `sampler` (deprecated there, its `data/samplers.py` defines no sampler) is always one.
 */
export function rejectUnsupportedDataKeys(
  data: InfrastructureKeys,
  context: z.RefinementCtx,
): void {
  for (const { key, isDefault, instead } of REJECTED) {
    if (!isDefault(data)) {
      context.addIssue({
        code: "custom",
        path: [key],
        message: `${key} is not supported here: ${instead}.`,
      });
    }
  }
  if (data.sampler !== null) {
    context.addIssue({
      code: "custom",
      path: ["sampler", "name"],
      message: `no sampler "${data.sampler.name}" (nor its kwargs): the original deprecated sampler and its data/samplers.py defines none; remove it and downsample the data upstream or with preprocess.downsample_negatives.`,
    });
  }
}

/**
 * Refinement of the whole Heavy Ranker config: `which_metrics` (`projects/home/recap/config.py`,
 * "which metrics to pick", read by no code there) is a config error when set; so is
 * `z_score_log_config`, which standardises with statistics read from `analysis_path` (the
 * original's `projects/home/recap/model/feature_transform.py`), a file nothing in tml-ts writes or
 * reads yet, so the model build could only fail; and a large table's `vocab` (the original's
 * id → row mapping file, `projects/home/recap/embedding/config.py`): ids are taken modulo
 * `num_embeddings` here.
 */
export function rejectUnsupportedRecapKeys(
  config: {
    which_metrics: string | null;
    model: {
      featurization_config: { z_score_log_config: { analysis_path: string } | null } | null;
      large_embeddings: { tables: ReadonlyArray<{ vocab: string | null }> } | null;
    };
  },
  context: z.RefinementCtx,
): void {
  if (config.which_metrics !== null) {
    context.addIssue({
      code: "custom",
      path: ["which_metrics"],
      message:
        "which_metrics is not supported: every evaluation reports all metrics; remove it (restrict tasks with validation_data.<name>.evaluation_tasks).",
    });
  }
  config.model.large_embeddings?.tables.forEach((table, index) => {
    if (table.vocab === null) return;
    context.addIssue({
      code: "custom",
      path: ["model", "large_embeddings", "tables", index, "vocab"],
      message: `vocab ${table.vocab} is not supported: ids are taken modulo num_embeddings; map or hash ids into [0, num_embeddings) upstream and remove it.`,
    });
  });
  const zScore = config.model.featurization_config?.z_score_log_config;
  if (!zScore) return;
  context.addIssue({
    code: "custom",
    path: ["model", "featurization_config", "z_score_log_config", "analysis_path"],
    message: `z_score_log_config cannot load statistics from analysis_path ${zScore.analysis_path} (nothing reads that file yet); use double_norm_log_config, which normalises with batch statistics.`,
  });
}
