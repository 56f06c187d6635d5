import type { TwhinConfig } from "../config/twhin-config.js";

/** Negative sampling and loss settings of a TwhinStep (from the config's train_data and model). */
export interface StepSettings {
  /** Largest batch (edges, B) the step will see. */
  batchSize: number;
  /** In-batch negatives per side per edge (N), drawn within the edge's relation. */
  inBatchNegatives: number;
  /**
   * Global negative columns per row (K): uniform draws per entity type per batch, shared by the
   * batch; under `allNegatives`, the largest table's row count.
   */
  globalNegatives: number;
  /** 1vsAll (`global_negatives: all`): every row of the target table is a candidate. */
  allNegatives: boolean;
  loss: { type: "bce" | "softmax" | "margin"; margin: number };
  /** Weight of the regularizer's penalty. */
  regularization: number;
  /** `l2` on the batch's distinct rows, or `n3` on every edge direction's factors. */
  regularizer: "l2" | "n3";
  /** Weight of the auxiliary relation-prediction cross-entropy (0 = off). */
  relationPrediction: number;
}

/** The step settings of a TwHIN config. */
export function stepSettings(config: TwhinConfig): StepSettings {
  const data = config.train_data;
  const allNegatives = data.global_negatives === "all";
  const largestTable = Math.max(...config.model.embeddings.tables.map((t) => t.num_embeddings));
  return {
    batchSize: data.per_replica_batch_size,
    inBatchNegatives: data.in_batch_negatives,
    globalNegatives: allNegatives ? largestTable : (data.global_negatives as number),
    allNegatives,
    loss: config.model.loss,
    regularization: config.model.regularization,
    regularizer: config.model.regularizer,
    relationPrediction: config.model.relation_prediction,
  };
}
