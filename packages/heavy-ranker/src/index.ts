/** The engine choice the ranker runs on (re-exported from @tml/engine): call it once before scoring. */
export { type EngineInfo, type SelectEngineOptions, selectEngine } from "@tml/engine";
export * from "./config/data-config.js";
export * from "./config/load-recap-config.js";
export * from "./config/model-config.js";
export * from "./config/optimizer-config.js";
export * from "./config/preprocess-config.js";
export * from "./config/recap-config.js";
export * from "./config/training-config.js";
export { type AttrValue, GraphBuilder, type GraphNode } from "./export/graph-builder.js";
export {
  type ExportableRankingModel,
  GRAPH_OUTPUTS,
  graphModelArtifacts,
} from "./export/graph-model-export.js";
export { modelFilesHandler, saveModelArtifacts } from "./export/graph-model-files.js";
export { type Int8Weights, quantizePerColumn } from "./export/int8-weights.js";
export {
  ONNX_EMBEDDING_INPUTS,
  ONNX_OUTPUTS,
  type RankingModelOnnxOptions,
  rankingModelOnnx,
  saveRankingModelOnnx,
} from "./export/onnx-export.js";
export type { OnnxPrecision } from "./export/onnx-layers.js";
export {
  type FloatStorage,
  type LoadStateDictReport,
  loadSafetensors,
  loadStateDict,
  type StateDictModel,
  saveSafetensors,
  servableKey,
  stateDictTensors,
} from "./export/state-dict.js";
export type { IdBags } from "./features/embedding-bag-ids.js";
export type { FeatureBatch, FeatureColumn, FeatureValues } from "./features/feature-batch.js";
export { featureBatchFromColumns, featureBatchFromRankerChunk } from "./features/from-data-io.js";
export {
  explicitDateFiles,
  explicitDatetimeFiles,
  selectInputFiles,
} from "./features/input-files.js";
export { keepRateWeights } from "./features/keep-rate-weights.js";
export { labelColumnIndices } from "./features/label-columns.js";
export { type NpyArray, parseNpy, readNpyMaskIndices } from "./features/npy.js";
export {
  type Matrix,
  prepareRecapArrays,
  type RecapArrays,
  type RecapArraysOptions,
  type RecapDataMode,
} from "./features/prepare-recap-arrays.js";
export { applyPreprocessors } from "./features/preprocess.js";
export {
  disposeRecapBatch,
  RECAP_EMBEDDING_FIELDS,
  type RecapBatch,
} from "./features/recap-batch.js";
export {
  type PositionedRecapBatch,
  type RawBatchTransform,
  type RecapDatasetOptions,
  recapDatasetBatches,
} from "./features/recap-dataset.js";
export { createRecapFeaturizer, type RecapFeaturizer } from "./features/recap-featurizer.js";
export { assembleColumns } from "./features/rename-features.js";
export { toRecapBatch } from "./features/to-recap-batch.js";
export { usedFeatures } from "./features/used-features.js";
export { buildRankingModel, embeddingInputs, truncatedWidths } from "./model/build-model.js";
export {
  calibrateProbabilities,
  calibrationRatio,
  sanitizeTaskName,
  unsanitizeTaskName,
} from "./model/calibration.js";
export type { RowSparseGradient } from "./model/embedding-bag.js";
export { computeZScoreStatistics, type ZScoreStatistics } from "./model/featurization.js";
export {
  type IdBagsByTable,
  LargeEmbeddings,
  largeEmbeddingIdsInput,
  largeEmbeddingWeightName,
} from "./model/large-embeddings.js";
export type { EmbeddingName, ModelInputShapes, RankingFeatures } from "./model/model-inputs.js";
export type { ForwardContext, NamedTensor } from "./model/module.js";
export {
  MultiTaskRankingModel,
  type RankingModelOptions,
  type RankingOutputs,
} from "./model/ranking-model.js";
export { type BuildRecapRunOptions, buildRecapRun, type RecapRun } from "./run/build-run.js";
export {
  type EvaluateHeavyRankerOptions,
  type EvaluateHeavyRankerResult,
  evaluateHeavyRanker,
} from "./run/evaluate-heavy-ranker.js";
export {
  type EvaluateRankerCheckpointOptions,
  evaluateRankerCheckpoint,
  type RankerCheckpointEvaluation,
} from "./run/evaluate-ranker-checkpoint.js";
export {
  type RankedWithCheckpoint,
  type RankWithCheckpointOptions,
  rankWithCheckpoint,
} from "./run/rank-with-checkpoint.js";
export { SCORER_KINDS, type ScorerKind } from "./run/ranker-scorer.js";
export {
  type ScoredTask,
  type StratumMetrics,
  stratifiedMetrics,
  type TaskMetrics,
  taskMetrics,
} from "./run/task-metrics.js";
export {
  type TrainHeavyRankerOptions,
  type TrainHeavyRankerResult,
  trainHeavyRanker,
} from "./run/train-heavy-ranker.js";
export type { TwhinEmbeddingRows, TwhinEmbeddings } from "./run/twhin-embeddings.js";
export {
  type OnnxFeatureArrays,
  OnnxScorer,
  type OnnxScorerOptions,
  type OnnxScores,
} from "./serving/onnx-scorer.js";
export { type CandidateArrays, rankArrays } from "./serving/rank-arrays.js";
export {
  type RankedCandidate,
  rankCandidates,
  type ScoringModel,
  scoreCandidates,
} from "./serving/rank-candidates.js";
export {
  PUBLISHED_SERVING_WEIGHTS,
  type ServingWeights,
  servingWeightsSchema,
  servingWeightVector,
} from "./serving/serving-weights.js";
export { EmbeddingOptimizer, type EmbeddingStepResult } from "./task/embedding-optimizer.js";
export { recapParameterGroups } from "./task/parameter-groups.js";
export { type EvaluatedProbability, RecapEvaluation } from "./task/recap-evaluation.js";
export {
  type RecapStepResult,
  RecapTrainTask,
  type RecapTrainTaskOptions,
} from "./task/recap-train-task.js";
