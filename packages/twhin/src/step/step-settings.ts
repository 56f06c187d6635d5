import type { TwhinConfig } from "../config/twhin-config.js";

/** Negative sampling and loss settings of a TwhinStep (from the config's train_data and model). */
export interface StepSettings {
  /** Largest batch (edges, B) the step will see. */
  batchSize: number;
  /** In-batch negatives per side per edge (N), drawn within the edge's relation. */
  inBatchNegatives: number;
  /** Uniform negatives per entity type per batch (K), shared by the batch. */
  globalNegatives: number;
  loss: { type: "bce" | "softmax" | "margin"; margin: number };
  /** Weight of the L2 penalty on the rows of a batch. */
  regularization: number;
}

/** The step settings of a TwHIN config. */
export function stepSettings(config: TwhinConfig): StepSettings {
  const data = config.train_data;
  return {
    batchSize: data.per_replica_batch_size,
    inBatchNegatives: data.in_batch_negatives,
    globalNegatives: data.global_negatives,
    loss: config.model.loss,
    regularization: config.model.regularization,
  };
}
