export { type AurocOptions, aurocMwu, computeAuroc } from "./auroc.js";
export {
  type Calibration,
  type CalibrationBin,
  type CalibrationState,
  calibration,
} from "./calibration.js";
export {
  averagePrecision,
  type CurvePoint,
  computeAveragePrecision,
  computeCurve,
  curvePoints,
} from "./curves.js";
export { count, ctr, pctr } from "./label-rates.js";
export { type LinkPredictionState, linkPredictionMetrics } from "./link-prediction.js";
export {
  type BinaryBatch,
  checkBatch,
  computeMetric,
  type Metric,
  type NumericArray,
  type ScalarMetric,
  weightAt,
} from "./metric.js";
export {
  type MultiTaskBatch,
  MultiTaskMetrics,
  type MultiTaskMetricsOptions,
} from "./multi-task-metrics.js";
export {
  type ConfusionState,
  precision,
  recall,
  type ThresholdOptions,
} from "./precision-recall.js";
export { hitAtK, positiveRanks, posRanks, reciprocalRank } from "./rank-metrics.js";
export { clippedBinaryCrossEntropy, nrce, type RceOptions, type RceState, rce } from "./rce.js";
export { type SampledAucOptions, sampledAuc } from "./sampled-auc.js";
export {
  appendBatch,
  concatBuffers,
  createScoreBuffer,
  type ScoreBuffer,
  type ScoreGroups,
  scoreGroups,
} from "./score-buffer.js";
export {
  addToMean,
  mergeMeans,
  type StableMeanInput,
  type StableMeanState,
  stableMean,
} from "./stable-mean.js";
export { type Stratum, selectStratum, stratified } from "./stratify.js";
