export {
  checkConfigAgainstGraph,
  findGraphDescriptor,
  type GraphShape,
  readGraphShape,
} from "./config/graph-match.js";
export type { ModelSelectionConfig } from "./config/model-selection-config.js";
export {
  type TableOptimizerConfig,
  tableOptimizerConfigSchema,
} from "./config/table-optimizer-config.js";
export {
  type OperatorKind,
  type TableConfig,
  type TwhinConfig,
  type TwhinDataConfig,
  type TwhinModelConfig,
  twhinConfigSchema,
} from "./config/twhin-config.js";
export type { EdgeBatch } from "./data/edge-batch.js";
export { EdgeBatches, type EdgeCursor } from "./data/edge-batches.js";
export { type EdgeSet, readEdges } from "./data/edge-set.js";
export { type EntityNames, readEntityNames } from "./data/entity-names.js";
export { type KnowledgeGraph, readKnowledgeGraph } from "./data/kg-tsv.js";
export { FilterIndex } from "./eval/filter-index.js";
export {
  type DirectionMetrics,
  type LinkPredictionResult,
  trainingEntities,
} from "./eval/link-metrics.js";
export { evaluateLinkPrediction, type LinkPredictionOptions } from "./eval/link-prediction.js";
export type { RankingMetrics } from "./eval/rank-accumulator.js";
export {
  type EmbeddingRows,
  embeddingsToArrow,
  readEmbeddings,
  type WriteEmbeddingsOptions,
  writeEmbeddings,
} from "./export/embedding-files.js";
export { type EmbeddingFeatureOptions, embeddingFeatures } from "./export/feature-lookup.js";
export { type Neighbours, type TopKOptions, topKNeighbours } from "./export/nearest.js";
export type { ComparatorKind } from "./model/comparator.js";
export {
  EmbeddingTable,
  type StoredValues,
  type TableStorage,
} from "./model/embedding-table.js";
export { TwhinModel } from "./model/twhin-model.js";
export { createRowOptimizer } from "./optim/create-row-optimizer.js";
export type { RowOptimizer } from "./optim/row-optimizer.js";
export {
  findRecipe,
  type GraphRecipe,
  recipeForGraph,
  TWHIN_RECIPES,
} from "./recipes/recipes.js";
export { applyRecipe, type RecipeVariant, type TwhinRecipe } from "./recipes/twhin-recipe.js";
export { checkTwhinInputs } from "./run/check-twhin-inputs.js";
export {
  type EvaluateTwhinOptions,
  type EvaluateTwhinResult,
  evaluateTwhin,
} from "./run/evaluate-twhin.js";
export { type ExportEmbeddingsOptions, exportEmbeddings } from "./run/export-embeddings.js";
export { hogwildWorkers } from "./run/hogwild-workers.js";
export { loadTwhinModel } from "./run/load-model.js";
export { type NearestNeighboursOptions, nearestNeighbours } from "./run/nearest-neighbours.js";
export { type ConfigSource, resolveConfig } from "./run/resolve-config.js";
export {
  type EntityNeighbours,
  type SampleNeighboursOptions,
  sampleNeighbours,
} from "./run/sample-neighbours.js";
export { type SelectedCheckpoint, selectedCheckpoint } from "./run/selected-checkpoint.js";
export { type TrainTwhinOptions, type TrainTwhinResult, trainTwhin } from "./run/train-twhin.js";
export {
  countTrainEdges,
  edgesTrained,
  plannedTrainSteps,
  planTwhinTraining,
  type TwhinTrainingPlan,
} from "./run/training-plan.js";
export { TwhinTask, type TwhinTaskOptions } from "./task/twhin-task.js";
