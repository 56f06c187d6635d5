import type { TwhinRecipe } from "./twhin-recipe.js";

/**
 * ComplEx-N3 (Trouillon et al. 2016; Lacroix et al. 2018, facebookresearch/kbc): the
 * `complex_diagonal` operator with a dot comparator, reciprocal relations, cross-entropy over
 * every entity of the target table (1vsAll: `global_negatives: all`), weighted N3 regularisation
 * of the batch's rows, Adagrad lr 0.5 on batches of 512 edges, validation every epoch with the best
 * checkpoint kept, 40 epochs at most, stopping after 5 validations without a better MRR.
 */
export const COMPLEX_RECIPE: TwhinRecipe = {
  description:
    "complex_diagonal operator, dot comparator, cross-entropy over all entities (1vsAll), reciprocal relations, N3 0.05, Adagrad 0.5, batch 512, dim 256, 40 epochs (patience 5)",
  table: { embedding_dim: 256, data_type: "fp32", optimizer: { adagrad: { lr: 0.5 } } },
  relation: { operator: "complex_diagonal" },
  config: {
    model: {
      translation_optimizer: { adagrad: { lr: 0.5 } },
      comparator: "dot",
      loss: { type: "softmax" },
      reciprocal_relations: true,
      relation_init: "identity",
      regularizer: "n3",
      regularization: 0.05,
    },
    train_data: { per_replica_batch_size: 512, global_negatives: "all", in_batch_negatives: 0 },
    training: { num_epochs: 40, train_log_every_n: 100, checkpoint_max_to_keep: 1 },
  },
  validation: {
    validation_data: { per_replica_batch_size: 1000, global_negatives: 0, in_batch_negatives: 0 },
    model_selection: { eval_every_n_epochs: 1, patience: 5 },
  },
};
