import { oneOf } from "@tml/core";
import { z } from "zod";

/*
 * The Heavy Ranker model config (`projects/home/recap/model/config.py`). Keys keep the original's
 * snake_case so its YAML loads unchanged; every object is strict, and the original's one_of groups
 * are refinements, so model code receives a valid config and never re-checks it.
 */

const positiveInt = z.number().int().positive();

/** Dropout: `rate` in (0, 1) is the probability of zeroing an activation in train mode. */
export const dropoutConfigSchema = z.strictObject({
  rate: z.number().positive().lt(1).default(0.1),
});

/** LayerNorm over the last axis; `center` (bias) and `scale` (gain) must be equal. */
export const layerNormConfigSchema = z
  .strictObject({
    epsilon: z.number().nonnegative().default(1e-3),
    axis: z.literal(-1).default(-1),
    center: z.boolean().default(true),
    scale: z.boolean().default(true),
  })
  .refine((value) => value.center === value.scale, {
    message: "center must equal scale (both affine parameters or none)",
    path: ["scale"],
  });

/** BatchNorm1d; `momentum` is torch's: the weight of the new batch statistic (0.1 default). */
export const batchNormConfigSchema = z.strictObject({
  affine: z.boolean().default(true),
  momentum: z.number().positive().max(1).default(0.1),
});

/** MLP: Linear → [BatchNorm] → ReLU → [Dropout] per hidden size, then a last Linear. */
export const mlpConfigSchema = z.strictObject({
  layer_sizes: z.array(positiveInt).min(1),
  batch_norm: batchNormConfigSchema.nullable().default(null),
  dropout: dropoutConfigSchema.nullable().default(null),
  final_layer_activation: z.boolean().default(false),
});

/** DCN-v2 cross network (arXiv 2008.13535): `poly_degree` cross layers, optional low rank. */
export const dcnConfigSchema = z.strictObject({
  poly_degree: positiveInt,
  projection_dim: positiveInt.nullable().default(null),
  parallel_mlp: mlpConfigSchema.nullable().default(null),
  use_parallel: z.boolean().default(true),
  output_mlp: mlpConfigSchema.nullable().default(null),
});

/**
 * MaskBlock: instance-guided mask of width `aggregation_size` (or input × `reduction_factor`).
 * `activation`, `dropout` and `hidden_bias` are extensions (FuxiCTR's MaskBlock: a hidden Linear
 * without bias, LayerNorm, ReLU, Dropout); their defaults are the original's block.
 */
export const maskBlockConfigSchema = z
  .strictObject({
    output_size: positiveInt,
    reduction_factor: z.number().positive().nullable().default(null),
    aggregation_size: positiveInt.nullable().default(null),
    input_layer_norm: z.boolean(),
    activation: z.enum(["none", "relu"]).default("none"),
    dropout: dropoutConfigSchema.nullable().default(null),
    hidden_bias: z.boolean().default(true),
  })
  .superRefine(oneOf(["reduction_factor", "aggregation_size"]));

/** MaskNet: parallel (all blocks see the input) or serial (block k sees block k−1) + optional MLP. */
export const maskNetConfigSchema = z.strictObject({
  mask_blocks: z.array(maskBlockConfigSchema).min(1),
  mlp: mlpConfigSchema.nullable().default(null),
  use_parallel: z.boolean().default(false),
});

/** Position debiasing: a learned embedding of the served position, dropped out in training. */
export const positionDebiasConfigSchema = z.strictObject({
  max_position: positiveInt.default(256),
  num_dims: positiveInt.default(64),
  drop_probability: z.number().min(0).max(1).default(0.5),
  position_feature_index: z.number().int().nonnegative(),
});

/** Trainable 1→1 affine map of a task logit, initialised to `scale · x + bias`. */
export const affineMapConfigSchema = z.strictObject({
  scale: z.number().default(1.0),
  bias: z.number().default(0.0),
});

/** DLRM: bottom MLP on the dense input, pairwise dot interaction with the embeddings, top MLP. */
export const dlrmConfigSchema = z.strictObject({
  bottom_mlp: mlpConfigSchema,
  top_mlp: mlpConfigSchema,
});

/** One tower or the backbone: exactly one architecture, an optional affine map, a BCE pos_weight. */
export const taskModelConfigSchema = z
  .strictObject({
    mlp_config: mlpConfigSchema.nullable().default(null),
    dcn_config: dcnConfigSchema.nullable().default(null),
    dlrm_config: dlrmConfigSchema.nullable().default(null),
    mask_net_config: maskNetConfigSchema.nullable().default(null),
    affine_map: affineMapConfigSchema.nullable().default(null),
    pos_weight: z.number().positive().default(1.0),
  })
  .superRefine(oneOf(["mlp_config", "dcn_config", "dlrm_config", "mask_net_config"]));

/** How towers share computation (`projects/home/recap/model/entrypoint.py`). */
export const multiTaskTypeSchema = z.enum(["share_none", "share_all", "share_partial"]);

/** Signed log1p of the continuous features, then concatenation of the binary ones. */
export const log1pAbsConfigSchema = z.strictObject({});

/** Signed log1p clamped to ±clip_magnitude. */
export const clipLog1pAbsConfigSchema = z.strictObject({
  clip_magnitude: z.number().positive().default(3e38),
});

/**
 * Signed log1p, then z-score with per-feature statistics read from `analysis_path` (a JSON file
 * `{ "mean": number[C], "std": number[C] }` of the signed-log features, written by
 * `computeZScoreStatistics`), then clamp; optional batch norm after.
 */
export const zScoreLogConfigSchema = z.strictObject({
  analysis_path: z.string().min(1),
  schema_path: z.string().nullable().default(null),
  clip_magnitude: z.number().positive().default(5.0),
  use_batch_norm: z.boolean().default(false),
  use_renorm: z.boolean().default(false),
  use_bq_stats: z.boolean().default(false),
});

/**
 * The production featurization (`projects/home/recap/model/feature_transform.py`): non-finite→0,
 * signed log, BN, clamp, ⊕ binary, LN.
 */
export const doubleNormLogConfigSchema = z.strictObject({
  batch_norm_config: batchNormConfigSchema.nullable().default(null),
  clip_magnitude: z.number().positive().default(5.0),
  layer_norm_config: layerNormConfigSchema.nullable().default(null),
});

/** Exactly one featurization; `feature_names_to_concat` lists raw groups appended (["binary"]). */
export const featurizationConfigSchema = z
  .strictObject({
    log1p_abs_config: log1pAbsConfigSchema.nullable().default(null),
    clip_log1p_abs_config: clipLog1pAbsConfigSchema.nullable().default(null),
    z_score_log_config: zScoreLogConfigSchema.nullable().default(null),
    double_norm_log_config: doubleNormLogConfigSchema.nullable().default(null),
    feature_names_to_concat: z.array(z.enum(["binary"])).default(["binary"]),
  })
  .superRefine(
    oneOf([
      "log1p_abs_config",
      "clip_log1p_abs_config",
      "z_score_log_config",
      "double_norm_log_config",
    ]),
  );

/** A learning-rate schedule for large embedding tables (same shapes as core's LearningRate). */
const embeddingLearningRateSchema = z
  .strictObject({
    constant: z.number().nullable().default(null),
    linear_ramp_to_constant: z
      .strictObject({ learning_rate: z.number(), num_ramp_steps: positiveInt })
      .nullable()
      .default(null),
    linear_ramp_to_cosine: z
      .strictObject({
        learning_rate: z.number(),
        final_learning_rate: z.number(),
        num_ramp_steps: positiveInt,
        final_num_steps: positiveInt,
      })
      .nullable()
      .default(null),
    piecewise_constant: z
      .strictObject({
        learning_rate_boundaries: z.array(z.number().int()).nullable().default(null),
        learning_rate_values: z.array(z.number()).nullable().default(null),
      })
      .nullable()
      .default(null),
  })
  .superRefine(
    oneOf(["constant", "linear_ramp_to_constant", "linear_ramp_to_cosine", "piecewise_constant"]),
  );

/** How an embedding bag reduces the rows of its ids: torchrec's `PoolingType.SUM` or `MEAN`. */
export const embeddingPoolingSchema = z.enum(["sum", "mean"]);

/**
 * A large id-keyed embedding table (one bag of torchrec's EmbeddingBagCollection,
 * `projects/home/recap/embedding/config.py`): a `num_embeddings x embedding_dim` float32 table kept
 * as a typed array outside tfjs autodiff, trained by the row-sparse `optimizer` of
 * `large_embeddings`. Each row of a batch looks up a bag of ids from exactly one source:
 * `feature_name`, a feature of the batch after renaming (`seg_dense_schema.renamed_features` key,
 * e.g. `meta__user_id`; every value of the row is an id), or `discrete_indices`, columns of the
 * `discrete` block (hashed multi-hot features). Ids are int32 (int64 ids keep their low 32 bits);
 * a negative id is padding (no row); other ids are taken modulo `num_embeddings`. The bag's rows
 * are reduced by `pooling` (`mean` divides by the number of non-padding ids; an empty bag is 0).
 * `data_type` is the storage (fp16 / bf16: half the memory; arithmetic stays fp32). `pretrained`
 * warm-starts the table from tensor / entity type `emb_name` of `embedding_snapshot_uri` (a
 * safetensors file, or a Parquet embedding export).
 */
export const embeddingBagConfigSchema = z
  .strictObject({
    name: z.string().min(1),
    num_embeddings: positiveInt,
    embedding_dim: positiveInt,
    pretrained: z
      .strictObject({ emb_name: z.string(), embedding_snapshot_uri: z.string() })
      .nullable()
      .default(null),
    vocab: z.string().nullable().default(null),
    feature_name: z.string().min(1).nullable().default(null),
    discrete_indices: z.array(z.number().int().nonnegative()).min(1).nullable().default(null),
    pooling: embeddingPoolingSchema.default("sum"),
    data_type: z.enum(["fp32", "fp16", "bf16"]).default("fp32"),
  })
  .superRefine(oneOf(["feature_name", "discrete_indices"]));

/**
 * The row-sparse optimizer of the large tables: SGD (`w -= lr · g` on the rows a batch touched),
 * or with `rowwise_adagrad` torchrec's fused EXACT_ROWWISE_ADAGRAD (one accumulator per row:
 * `G += mean_d g_d²; w -= lr · g / (√G + eps)`). The learning rate is the `learning_rate` schedule
 * at the optimizer step, or `init_learning_rate` when no schedule is given.
 */
export const embeddingOptimizerConfigSchema = z.strictObject({
  learning_rate: embeddingLearningRateSchema.nullable().default(null),
  init_learning_rate: z.number().positive(),
  rowwise_adagrad: z
    .strictObject({
      eps: z.number().nonnegative().default(1e-8),
      initial_accumulator_value: z.number().nonnegative().default(0),
    })
    .nullable()
    .default(null),
});

/** Large embeddings: id-keyed tables with their own row-sparse optimizer (names unique). */
export const largeEmbeddingsConfigSchema = z
  .strictObject({
    tables: z.array(embeddingBagConfigSchema).min(1),
    optimizer: embeddingOptimizerConfigSchema,
    /** Tables whose row norms are logged (each must name one of `tables`; checked by the model schema). */
    tables_to_log: z.array(z.string()).nullable().default(null),
  })
  .superRefine((value, context) => {
    const names = value.tables.map((table) => table.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index)
        context.addIssue({
          code: "custom",
          path: ["tables", index, "name"],
          message: `table name "${name}" is used twice; names key the weights`,
        });
    });
  });

/**
 * A small embedding table for one discrete feature: rows of `discrete[:, index]` (values taken
 * modulo `num_embeddings`) are looked up and concatenated to the dense input.
 */
export const smallEmbeddingBagConfigSchema = z.strictObject({
  name: z.string().min(1),
  num_embeddings: positiveInt,
  embedding_dim: positiveInt,
  index: z.number().int().nonnegative(),
});

/**
 * The small embedding tables (trained densely with the backbone). `l2_regularization` λ adds
 * (λ/2)·Σ‖W‖² over every table's weights to the training loss (FuxiCTR's `embedding_regularizer`
 * with p = 2, applied to whole tables at every step as FuxiCTR v1.2 does); 0 (the default) leaves
 * the loss unchanged. `init_stddev` sets the tables' initial spread.
 */
export const smallEmbeddingsConfigSchema = z.strictObject({
  tables: z.array(smallEmbeddingBagConfigSchema).min(1),
  l2_regularization: z.number().nonnegative().default(0),
  /**
   * Standard deviation of the tables' normal initialisation; null (the default) is 1/√dim.
   * FuxiCTR starts embeddings at 1e-4, which a strong `l2_regularization` needs: from 1/√dim the
   * penalty spends its first epochs shrinking the start.
   */
  init_stddev: z.number().positive().nullable().default(null),
});

/**
 * A metric stratifier: rows where `discrete[:, index] == value`. Every evaluation reports each
 * metric again over these rows under `<metric>/<task>/<name>`.
 */
export const stratifierConfigSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .refine((name) => !name.includes("/"), { message: "a stratifier name cannot contain /" }),
  index: z.number().int().nonnegative(),
  value: z.number().int(),
});

/** The Heavy Ranker model config (`model/config.py`); `tasks` keeps YAML order (= output order). */
export const recapModelConfigSchema = z
  .strictObject({
    tasks: z
      .record(z.string().min(1), taskModelConfigSchema)
      .refine((tasks) => Object.keys(tasks).length > 0, { message: "at least one task" }),
    large_embeddings: largeEmbeddingsConfigSchema.nullable().default(null),
    small_embeddings: smallEmbeddingsConfigSchema.nullable().default(null),
    position_debias_config: positionDebiasConfigSchema.nullable().default(null),
    featurization_config: featurizationConfigSchema.nullable().default(null),
    multi_task_type: multiTaskTypeSchema.default("share_none"),
    backbone: taskModelConfigSchema.nullable().default(null),
    stratifiers: z.array(stratifierConfigSchema).nullable().default(null),
  })
  .superRefine((value, context) => {
    const stratifierNames = (value.stratifiers ?? []).map((stratifier) => stratifier.name);
    stratifierNames.forEach((name, index) => {
      if (stratifierNames.indexOf(name) !== index) {
        context.addIssue({
          code: "custom",
          path: ["stratifiers", index, "name"],
          message: `stratifier name "${name}" is used twice; each names its own metric keys.`,
        });
      }
    });
    const largeTables = value.large_embeddings?.tables.map((table) => table.name) ?? [];
    (value.large_embeddings?.tables_to_log ?? []).forEach((name, index) => {
      if (!largeTables.includes(name)) {
        context.addIssue({
          code: "custom",
          path: ["large_embeddings", "tables_to_log", index],
          message: `tables_to_log names unknown table "${name}"; tables are ${largeTables.join(", ")}.`,
        });
      }
    });
    const hasBackbone = value.backbone !== null && value.backbone !== undefined;
    if (value.multi_task_type === "share_none" && hasBackbone) {
      context.addIssue({
        code: "custom",
        path: ["backbone"],
        message: "multi_task_type share_none forbids a backbone; remove it or use share_all",
      });
    }
    if (value.multi_task_type !== "share_none" && !hasBackbone) {
      context.addIssue({
        code: "custom",
        path: ["backbone"],
        message: `multi_task_type ${value.multi_task_type} requires a backbone`,
      });
    }
  });

/** Parsed model config (defaults applied). */
export type RecapModelConfig = z.output<typeof recapModelConfigSchema>;
/** Parsed tower/backbone config. */
export type TaskModelConfig = z.output<typeof taskModelConfigSchema>;
/** Parsed MLP config. */
export type MlpConfig = z.output<typeof mlpConfigSchema>;
/** Parsed MaskNet config. */
export type MaskNetConfig = z.output<typeof maskNetConfigSchema>;
/** Parsed MaskBlock config. */
export type MaskBlockConfig = z.output<typeof maskBlockConfigSchema>;
/** Parsed DCN-v2 config. */
export type DcnConfig = z.output<typeof dcnConfigSchema>;
/** Parsed DLRM config. */
export type DlrmConfig = z.output<typeof dlrmConfigSchema>;
/** Parsed featurization config. */
export type FeaturizationConfig = z.output<typeof featurizationConfigSchema>;
/** Parsed batch-norm config. */
export type BatchNormConfig = z.output<typeof batchNormConfigSchema>;
/** Parsed layer-norm config. */
export type LayerNormConfig = z.output<typeof layerNormConfigSchema>;
/** Parsed position-debias config. */
export type PositionDebiasConfig = z.output<typeof positionDebiasConfigSchema>;
/** Parsed large-embeddings config. */
export type LargeEmbeddingsConfig = z.output<typeof largeEmbeddingsConfigSchema>;
/** Parsed config of one large embedding table. */
export type EmbeddingBagConfig = z.output<typeof embeddingBagConfigSchema>;
/** Parsed stratifier config. */
export type StratifierConfig = z.output<typeof stratifierConfigSchema>;
/** Parsed small-embeddings config. */
export type SmallEmbeddingsConfig = z.output<typeof smallEmbeddingsConfigSchema>;
/** Multi-task sharing mode. */
export type MultiTaskType = z.output<typeof multiTaskTypeSchema>;
