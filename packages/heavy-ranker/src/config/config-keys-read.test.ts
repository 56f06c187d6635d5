import { fileURLToPath } from "node:url";
import { unreadConfigKeys } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { recapConfigSchema } from "./recap-config.js";

const SRC = "packages/heavy-ranker/src";
const MODEL = `${SRC}/model`;
const FEATURES = `${SRC}/features`;
const REJECTED = `${SRC}/config/unsupported-keys.ts`;
const LEARNING_RATE = "packages/training/src/optim/learning-rate.ts";
const TASK = "model.tasks.*";
const FEATURIZATION = "model.featurization_config";
const DATA = "train_data"; // validation_data.* partitions share these keys (aliases)
const PREPROCESS = `${DATA}.preprocess`;
const TOWER_RATE = "optimizer.multi_task_learning_rates.tower_learning_rates.*";

/** Where each key of the Heavy Ranker config is read (or, for a rejected key, rejected). */
const RECAP_READERS = {
  training: `${SRC}/run/train-heavy-ranker.ts`,
  model: `${MODEL}/build-model.ts`,
  "model.tasks": `${MODEL}/ranking-model.ts`,
  [`${TASK}.mlp_config`]: `${MODEL}/task-model.ts`,
  [`${TASK}.mlp_config.layer_sizes`]: `${MODEL}/mlp.ts`,
  [`${TASK}.mlp_config.batch_norm`]: `${MODEL}/mlp.ts`,
  [`${TASK}.mlp_config.batch_norm.affine`]: `${MODEL}/batch-norm.ts`,
  [`${TASK}.mlp_config.batch_norm.momentum`]: `${MODEL}/batch-norm.ts`,
  [`${TASK}.mlp_config.dropout`]: `${MODEL}/mlp.ts`,
  [`${TASK}.mlp_config.dropout.rate`]: `${MODEL}/mlp.ts`,
  [`${TASK}.mlp_config.final_layer_activation`]: `${MODEL}/mlp.ts`,
  [`${TASK}.dcn_config`]: `${MODEL}/task-model.ts`,
  [`${TASK}.dcn_config.poly_degree`]: `${MODEL}/dcn.ts`,
  [`${TASK}.dcn_config.projection_dim`]: `${MODEL}/dcn.ts`,
  [`${TASK}.dcn_config.parallel_mlp`]: `${MODEL}/dcn.ts`,
  [`${TASK}.dcn_config.use_parallel`]: `${MODEL}/dcn.ts`,
  [`${TASK}.dcn_config.output_mlp`]: `${MODEL}/dcn.ts`,
  [`${TASK}.dlrm_config`]: `${MODEL}/task-model.ts`,
  [`${TASK}.dlrm_config.bottom_mlp`]: `${MODEL}/dlrm.ts`,
  [`${TASK}.dlrm_config.top_mlp`]: `${MODEL}/dlrm.ts`,
  [`${TASK}.mask_net_config`]: `${MODEL}/task-model.ts`,
  [`${TASK}.mask_net_config.mask_blocks`]: `${MODEL}/mask-net.ts`,
  [`${TASK}.mask_net_config.mask_blocks[].output_size`]: `${MODEL}/mask-block.ts`,
  [`${TASK}.mask_net_config.mask_blocks[].reduction_factor`]: `${MODEL}/mask-block.ts`,
  [`${TASK}.mask_net_config.mask_blocks[].aggregation_size`]: `${MODEL}/mask-block.ts`,
  [`${TASK}.mask_net_config.mask_blocks[].input_layer_norm`]: `${MODEL}/mask-block.ts`,
  [`${TASK}.mask_net_config.mlp`]: `${MODEL}/mask-net.ts`,
  [`${TASK}.mask_net_config.use_parallel`]: `${MODEL}/mask-net.ts`,
  [`${TASK}.affine_map`]: `${MODEL}/ranking-model.ts`,
  [`${TASK}.affine_map.scale`]: `${MODEL}/ranking-model.ts`,
  [`${TASK}.affine_map.bias`]: `${MODEL}/ranking-model.ts`,
  [`${TASK}.pos_weight`]: `${SRC}/task/recap-train-task.ts`,
  "model.small_embeddings": `${MODEL}/model-inputs.ts`,
  "model.small_embeddings.tables": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.tables[].name": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.tables[].num_embeddings": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.tables[].embedding_dim": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.tables[].index": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.l2_regularization": `${MODEL}/small-embeddings.ts`,
  "model.small_embeddings.init_stddev": `${MODEL}/small-embeddings.ts`,
  "model.position_debias_config": `${MODEL}/model-inputs.ts`,
  "model.position_debias_config.max_position": `${MODEL}/position-debias.ts`,
  "model.position_debias_config.num_dims": `${MODEL}/position-debias.ts`,
  "model.position_debias_config.drop_probability": `${MODEL}/position-debias.ts`,
  "model.position_debias_config.position_feature_index": `${MODEL}/position-debias.ts`,
  [FEATURIZATION]: `${MODEL}/model-inputs.ts`,
  [`${FEATURIZATION}.clip_log1p_abs_config`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.clip_log1p_abs_config.clip_magnitude`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.z_score_log_config`]: REJECTED,
  [`${FEATURIZATION}.double_norm_log_config`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.double_norm_log_config.batch_norm_config`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.double_norm_log_config.clip_magnitude`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.double_norm_log_config.layer_norm_config`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.double_norm_log_config.layer_norm_config.epsilon`]: `${MODEL}/layer-norm.ts`,
  [`${FEATURIZATION}.double_norm_log_config.layer_norm_config.center`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.double_norm_log_config.layer_norm_config.scale`]: `${MODEL}/featurization.ts`,
  [`${FEATURIZATION}.feature_names_to_concat`]: `${MODEL}/featurization.ts`,
  "model.multi_task_type": `${MODEL}/ranking-model.ts`,
  "model.backbone": `${MODEL}/ranking-model.ts`,
  [DATA]: `${SRC}/run/build-run.ts`,
  [`${DATA}.inputs`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_datetime_inputs`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_datetime_inputs.data_root`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_datetime_inputs.end_datetime`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_datetime_inputs.hours`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_datetime_inputs.num_missing_hours_tol`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_date_inputs`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_date_inputs.data_root`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_date_inputs.end_date`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_date_inputs.days`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.explicit_date_inputs.num_missing_days_tol`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.global_batch_size`]: `${FEATURES}/recap-dataset.ts`,
  [`${DATA}.num_files_to_keep`]: `${FEATURES}/input-files.ts`,
  [`${DATA}.repeat_files`]: [`${FEATURES}/recap-dataset.ts`, `${SRC}/run/build-run.ts`],
  [`${DATA}.file_batch_size`]: REJECTED,
  [`${DATA}.cache`]: REJECTED,
  [`${DATA}.data_service_dispatcher`]: REJECTED,
  [`${DATA}.ignore_data_errors`]: `${FEATURES}/recap-dataset.ts`,
  [`${DATA}.dataset_service_compression`]: REJECTED,
  [`${DATA}.examples_shuffle_buffer_size`]: `${FEATURES}/recap-dataset.ts`,
  [`${DATA}.map_num_parallel_calls`]: REJECTED,
  [`${DATA}.interleave_num_parallel_calls`]: REJECTED,
  [`${DATA}.seg_dense_schema`]: `${FEATURES}/recap-featurizer.ts`,
  [`${DATA}.seg_dense_schema.schema_path`]: `${FEATURES}/recap-featurizer.ts`,
  [`${DATA}.seg_dense_schema.features`]: `${FEATURES}/used-features.ts`,
  [`${DATA}.seg_dense_schema.renamed_features`]: `${FEATURES}/rename-features.ts`,
  [`${DATA}.seg_dense_schema.mask_mantissa_features`]: `${FEATURES}/rename-features.ts`,
  [`${DATA}.tasks`]: `${FEATURES}/recap-dataset.ts`,
  [`${DATA}.tasks.*.pos_downsampling_rate`]: `${FEATURES}/keep-rate-weights.ts`,
  [`${DATA}.tasks.*.neg_downsampling_rate`]: `${FEATURES}/keep-rate-weights.ts`,
  [`${DATA}.evaluation_tasks`]: `${SRC}/run/build-run.ts`,
  [PREPROCESS]: `${FEATURES}/recap-featurizer.ts`,
  [`${PREPROCESS}.truncate_and_slice`]: `${FEATURES}/preprocess.ts`,
  [`${PREPROCESS}.truncate_and_slice.continuous_feature_truncation`]: `${FEATURES}/truncate-and-slice.ts`,
  [`${PREPROCESS}.truncate_and_slice.binary_feature_truncation`]: `${FEATURES}/truncate-and-slice.ts`,
  [`${PREPROCESS}.truncate_and_slice.continuous_feature_mask_path`]: `${FEATURES}/recap-featurizer.ts`,
  [`${PREPROCESS}.truncate_and_slice.binary_feature_mask_path`]: `${FEATURES}/recap-featurizer.ts`,
  [`${PREPROCESS}.downcast`]: `${FEATURES}/preprocess.ts`,
  [`${PREPROCESS}.downcast.features`]: `${FEATURES}/downcast.ts`,
  [`${PREPROCESS}.rectify_labels`]: `${FEATURES}/preprocess.ts`,
  [`${PREPROCESS}.rectify_labels.label_rectification_window_in_hours`]: `${FEATURES}/rectify-labels.ts`,
  [`${PREPROCESS}.rectify_labels.served_timestamp_field`]: `${FEATURES}/rectify-labels.ts`,
  [`${PREPROCESS}.rectify_labels.impressed_timestamp_field`]: `${FEATURES}/rectify-labels.ts`,
  [`${PREPROCESS}.rectify_labels.label_to_engaged_timestamp_field`]: `${FEATURES}/rectify-labels.ts`,
  [`${PREPROCESS}.extract_features`]: `${FEATURES}/preprocess.ts`,
  [`${PREPROCESS}.extract_features.extract_feature_table`]: `${FEATURES}/extract-features.ts`,
  [`${PREPROCESS}.extract_features.extract_feature_table[].name`]: `${FEATURES}/extract-features.ts`,
  [`${PREPROCESS}.extract_features.extract_feature_table[].source_tensor`]: `${FEATURES}/extract-features.ts`,
  [`${PREPROCESS}.extract_features.extract_feature_table[].index`]: `${FEATURES}/extract-features.ts`,
  [`${PREPROCESS}.downsample_negatives`]: `${FEATURES}/preprocess.ts`,
  [`${PREPROCESS}.downsample_negatives.batch_multiplier`]: `${FEATURES}/downsample-negatives.ts`,
  [`${PREPROCESS}.downsample_negatives.engagements_list`]: `${FEATURES}/downsample-negatives.ts`,
  [`${PREPROCESS}.downsample_negatives.num_engagements`]: `${FEATURES}/downsample-negatives.ts`,
  [`${DATA}.sampler`]: REJECTED,
  validation_data: `${SRC}/run/build-run.ts`,
  optimizer: `${SRC}/task/recap-train-task.ts`,
  "optimizer.multi_task_learning_rates": `${SRC}/task/parameter-groups.ts`,
  "optimizer.multi_task_learning_rates.tower_learning_rates": `${SRC}/task/parameter-groups.ts`,
  [`${TOWER_RATE}.constant`]: LEARNING_RATE,
  [`${TOWER_RATE}.piecewise_constant`]: LEARNING_RATE,
  [`${TOWER_RATE}.piecewise_constant.learning_rate_boundaries`]: LEARNING_RATE,
  [`${TOWER_RATE}.piecewise_constant.learning_rate_values`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_constant`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_constant.learning_rate`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_constant.num_ramp_steps`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_cosine`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_cosine.learning_rate`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_cosine.final_learning_rate`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_cosine.num_ramp_steps`]: LEARNING_RATE,
  [`${TOWER_RATE}.linear_ramp_to_cosine.final_num_steps`]: LEARNING_RATE,
  "optimizer.multi_task_learning_rates.backbone_learning_rate": `${SRC}/task/parameter-groups.ts`,
  "optimizer.single_task_learning_rate": `${SRC}/task/parameter-groups.ts`,
  "optimizer.adam": `${SRC}/task/recap-train-task.ts`,
  "optimizer.adam.beta_1": `${SRC}/task/recap-train-task.ts`,
  "optimizer.adam.beta_2": `${SRC}/task/recap-train-task.ts`,
  "optimizer.adam.epsilon": `${SRC}/task/recap-train-task.ts`,
  which_metrics: REJECTED,
  parity: `${FEATURES}/recap-featurizer.ts`,
};

/**
 * Owned by a concurrent change (the lead empties this list at merge time): `large_embeddings`
 * (id-keyed tables, their `pretrained` and `vocab`, h-ebc; `tables_to_log`, h-truth) and
 * `stratifiers` (per-stratum metrics, h-truth).
 */
const PENDING_SECTIONS = ["model.large_embeddings", "model.stratifiers"];

describe("Heavy Ranker config keys", () => {
  it("every key is read by some code or rejected at load (training.* is core's walk)", () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    expect(
      unreadConfigKeys({
        schema: recapConfigSchema,
        readers: RECAP_READERS,
        coveredElsewhere: ["training.", ...PENDING_SECTIONS],
        pending: PENDING_SECTIONS,
        // Rejected whole when set: their sub-keys never reach code.
        rejectedSections: [`${FEATURIZATION}.z_score_log_config`, `${DATA}.sampler`],
        root,
      }),
    ).toEqual([]);
  });
});
