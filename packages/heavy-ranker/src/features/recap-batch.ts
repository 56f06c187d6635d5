import type * as tf from "@tensorflow/tfjs-core";
import type { IdBags } from "./embedding-bag-ids.js";

/**
 * One batch of Heavy Ranker examples as tfjs tensors (B rows), the model's input and the loss's
 * targets. Produced by `toRecapBatch`; the caller owns the tensors and frees them with
 * `disposeRecapBatch`.
 *
 * Labels and weights columns follow `taskNames`, which is `model.tasks` order when labels are
 * selected by name (parity "fixed") or the first T `train_data.tasks` columns (parity "original").
 */
export interface RecapBatch {
  /** Number of rows B. */
  readonly size: number;
  /** B x C float32 continuous features (after truncate-and-slice), raw (not yet log-normalised). */
  readonly continuous: tf.Tensor2D;
  /** B x Bn float32 binary features (0/1 flags, cast from int64), concatenated raw by the model. */
  readonly binary: tf.Tensor2D;
  /** B x D int32 discrete features (not used by the model; kept for stratifiers). */
  readonly discrete: tf.Tensor2D;
  /** B x 200 float32 TwHIN user follow embedding, present when `user_embedding` is renamed in. */
  readonly userEmbedding?: tf.Tensor2D;
  /** B x 200 float32 TwHIN user engagement embedding, present when `user_eng_embedding` is renamed in. */
  readonly userEngEmbedding?: tf.Tensor2D;
  /** B x 200 float32 TwHIN author follow embedding, present when `author_embedding` is renamed in. */
  readonly authorEmbedding?: tf.Tensor2D;
  /** B x T float32 labels in {0, 1} (zeros in inference mode), columns named by `taskNames`. */
  readonly labels: tf.Tensor2D;
  /** B x T float32 per-example-per-task loss weights (keep-rate weights; zeros in inference mode). */
  readonly weights: tf.Tensor2D;
  /** The task name of each label/weight column, length T. */
  readonly taskNames: readonly string[];
  /**
   * Id bags of the large embedding tables (host arrays, no tensors): table name → B x n int32 ids;
   * present when the model has `large_embeddings`.
   */
  readonly ids?: Readonly<Record<string, IdBags>>;
}

/** The embedding fields of a RecapBatch, keyed by their renamed feature name in the config. */
export const RECAP_EMBEDDING_FIELDS = {
  user_embedding: "userEmbedding",
  user_eng_embedding: "userEngEmbedding",
  author_embedding: "authorEmbedding",
} as const;

/** Frees every tensor of a batch. */
export function disposeRecapBatch(batch: RecapBatch): void {
  const tensors = [
    batch.continuous,
    batch.binary,
    batch.discrete,
    batch.userEmbedding,
    batch.userEngEmbedding,
    batch.authorEmbedding,
    batch.labels,
    batch.weights,
  ];
  for (const tensor of tensors) tensor?.dispose();
}
