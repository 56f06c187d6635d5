import * as tf from "@tensorflow/tfjs-core";
import { DataError, type Rng } from "@tml/core";
import type { RecapModelConfig } from "../config/model-config.js";
import { RECAP_EMBEDDING_FIELDS, type RecapBatch } from "../features/recap-batch.js";
import { Featurization, type ZScoreStatistics } from "./featurization.js";
import { LargeEmbeddings } from "./large-embeddings.js";
import { LayerNorm } from "./layer-norm.js";
import { type ForwardContext, type Module, type NamedTensor, prefixed } from "./module.js";
import { PositionDebias } from "./position-debias.js";
import { SmallEmbeddings } from "./small-embeddings.js";

/** The renamed embedding features the model reads (`projects/home/recap/model/entrypoint.py`). */
export type EmbeddingName = keyof typeof RECAP_EMBEDDING_FIELDS;

/**
 * Feature tensors of a batch the model reads (a RecapBatch satisfies it). `pooledLargeEmbeddings`
 * (B x Σ embedding_dim) replaces pooling the large tables from `ids`: the train step passes it as a
 * variable to get its gradient.
 */
export type RankingFeatures = Pick<
  RecapBatch,
  | "continuous"
  | "binary"
  | "discrete"
  | "userEmbedding"
  | "userEngEmbedding"
  | "authorEmbedding"
  | "ids"
> & { readonly pooledLargeEmbeddings?: tf.Tensor2D };

/** Input widths and options for building the model's input stage. */
export interface ModelInputShapes {
  /** C: continuous features per row (2117 in local_prod). */
  readonly continuousWidth: number;
  /** Bn: binary features per row (59 in local_prod). */
  readonly binaryWidth: number;
  /** Embedding features present (keys of `renamed_features`), in this order of concatenation. */
  readonly embeddingNames?: readonly EmbeddingName[];
  /** Width of each TwHIN embedding (200). */
  readonly embeddingWidth?: number;
  /** z_score_log statistics (required for that featurization). */
  readonly zScoreStatistics?: ZScoreStatistics;
}

const EMBEDDING_ORDER: readonly EmbeddingName[] = [
  "user_embedding",
  "user_eng_embedding",
  "author_embedding",
];

/**
 * The input stage (`projects/home/recap/model/feature_transform.py` and `model/entrypoint.py`):
 * featurized continuous ⊕ binary, then each TwHIN embedding through its own LayerNorm (eps 1e-5),
 * the pooled large embeddings, small embedding tables, position debiasing → [B, width]. `segments` lists the widths of those
 * blocks (for DLRM).
 */
export class ModelInputs implements Module {
  readonly width: number;
  readonly segments: number[];
  private readonly continuousWidth: number;
  private readonly binaryWidth: number;
  private readonly featurization: Featurization;
  private readonly embeddingNorms: Array<{ name: EmbeddingName; norm: LayerNorm }>;
  /** The id-keyed tables (typed arrays outside autodiff), when `large_embeddings` is set. */
  readonly largeEmbeddings?: LargeEmbeddings;
  private readonly smallEmbeddings?: SmallEmbeddings;
  private readonly positionDebias?: PositionDebias;

  constructor(config: RecapModelConfig, shapes: ModelInputShapes, rng: Rng) {
    const featurization = config.featurization_config ?? {
      double_norm_log_config: {
        batch_norm_config: null,
        clip_magnitude: 5,
        layer_norm_config: null,
      },
      log1p_abs_config: null,
      clip_log1p_abs_config: null,
      z_score_log_config: null,
      feature_names_to_concat: ["binary" as const],
    };
    this.continuousWidth = shapes.continuousWidth;
    this.binaryWidth = shapes.binaryWidth;
    this.featurization = new Featurization(
      featurization,
      shapes.continuousWidth,
      shapes.binaryWidth,
      shapes.zScoreStatistics,
    );
    // A model without dense features (e.g. only categorical fields) skips the featurization block.
    this.segments = this.featurization.outFeatures > 0 ? [this.featurization.outFeatures] : [];
    const present = new Set(shapes.embeddingNames ?? []);
    const embeddingWidth = shapes.embeddingWidth ?? 200;
    this.embeddingNorms = EMBEDDING_ORDER.filter((name) => present.has(name)).map((name) => ({
      name,
      norm: new LayerNorm(embeddingWidth, 1e-5),
    }));
    for (const _ of this.embeddingNorms) this.segments.push(embeddingWidth);
    if (config.large_embeddings) {
      this.largeEmbeddings = new LargeEmbeddings(config.large_embeddings, rng.fork("large"));
      this.segments.push(this.largeEmbeddings.outFeatures);
    }
    if (config.small_embeddings) {
      this.smallEmbeddings = new SmallEmbeddings(config.small_embeddings, rng);
      for (const table of config.small_embeddings.tables) this.segments.push(table.embedding_dim);
    }
    if (config.position_debias_config) {
      this.positionDebias = new PositionDebias(config.position_debias_config, rng);
      this.segments.push(this.positionDebias.outFeatures);
    }
    this.width = this.segments.reduce((total, size) => total + size, 0);
  }

  /** Features → [B, width]. Throws DataError when a configured embedding is missing. */
  apply(features: RankingFeatures, context: ForwardContext): tf.Tensor2D {
    const [, continuousWidth] = features.continuous.shape;
    if (continuousWidth !== this.continuousWidth || features.binary.shape[1] !== this.binaryWidth) {
      throw new DataError(
        `batch has ${continuousWidth} continuous and ${features.binary.shape[1]} binary columns; the model was built for ${this.continuousWidth} and ${this.binaryWidth} (check truncate_and_slice)`,
      );
    }
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (this.featurization.outFeatures > 0) {
        parts.push(this.featurization.apply(features.continuous, features.binary, context));
      }
      for (const { name, norm } of this.embeddingNorms) {
        const tensor = features[RECAP_EMBEDDING_FIELDS[name]];
        if (!tensor)
          throw new DataError(
            `batch has no ${name}, but the model was built with it (renamed_features)`,
          );
        parts.push(norm.apply(tensor));
      }
      if (this.largeEmbeddings) parts.push(this.pooledLargeEmbeddings(features));
      if (this.smallEmbeddings) parts.push(this.smallEmbeddings.apply(features.discrete));
      if (this.positionDebias) parts.push(this.positionDebias.apply(features.discrete, context));
      return parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1);
    });
  }

  /** The pooled large embeddings of a batch [B, Σ embedding_dim] (given, or pooled from `ids`). */
  private pooledLargeEmbeddings(features: RankingFeatures): tf.Tensor2D {
    if (features.pooledLargeEmbeddings) return features.pooledLargeEmbeddings;
    const tables = this.largeEmbeddings as LargeEmbeddings;
    const rows = features.continuous.shape[0];
    return tf.tensor2d(tables.pool(features.ids, rows), [rows, tables.outFeatures]);
  }

  /** Weight penalties of the input stage (small-embedding L2), or null when there are none. */
  regularizationLoss(): tf.Scalar | null {
    return this.smallEmbeddings?.regularizationLoss() ?? null;
  }

  namedTensors(): NamedTensor[] {
    return [
      ...prefixed("_preprocessor", this.featurization),
      ...this.embeddingNorms.flatMap(({ name, norm }) => prefixed(`_${name}_layer_norm`, norm)),
      ...(this.smallEmbeddings ? prefixed("_small_embeddings", this.smallEmbeddings) : []),
      ...(this.positionDebias ? prefixed("_position_debias", this.positionDebias) : []),
    ];
  }
}
