import type { TwhinRecipe } from "./twhin-recipe.js";

/**
 * TwHIN's translation recipe (TransE-like scores `<e_h + w_r, e_t>`): dot comparator, reciprocal
 * relations (a second translation ranks heads), softmax over 2,048 uniform negatives shared by a
 * 1,000-edge batch, Adagrad lr 0.1 for the tables and the operators, dim 128, identity relation
 * init, L2 5e-5 on the batch's rows, 25 epochs, validation every 5 epochs (best checkpoint kept).
 * The settings that reach FB15k-237 filtered test MRR 0.311 (packages/twhin/README.md).
 */
export const TRANSE_RECIPE: TwhinRecipe = {
  description:
    "translation operator, dot comparator, softmax over 2,048 shared uniform negatives, reciprocal relations, Adagrad 0.1, dim 128, 25 epochs",
  table: { embedding_dim: 128, data_type: "fp32", optimizer: { adagrad: { lr: 0.1 } } },
  relation: { operator: "translation" },
  config: {
    model: {
      translation_optimizer: { adagrad: { lr: 0.1 } },
      comparator: "dot",
      loss: { type: "softmax" },
      reciprocal_relations: true,
      relation_init: "identity",
      regularization: 0.00005,
    },
    train_data: { per_replica_batch_size: 1000, global_negatives: 2048, in_batch_negatives: 0 },
    training: { num_epochs: 25, train_log_every_n: 100, checkpoint_max_to_keep: 1 },
  },
  validation: {
    validation_data: { per_replica_batch_size: 1000, global_negatives: 0, in_batch_negatives: 0 },
    model_selection: { eval_every_n_epochs: 5 },
  },
};
