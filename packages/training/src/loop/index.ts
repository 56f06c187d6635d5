export { type BestCheckpoint, bestCheckpoint } from "./best-checkpoint.js";
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointContent,
  type CheckpointManifest,
  type ManifestArray,
} from "./checkpoint-format.js";
export {
  type CheckpointRef,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  loadCheckpointArray,
  pruneCheckpoints,
  removePartialCheckpoints,
  resolveCheckpoint,
  saveCheckpoint,
} from "./checkpoint-store.js";
export {
  type FollowCheckpointsOptions,
  followCheckpoints,
  isEvaluated,
  markEvaluated,
  waitForEvaluators,
} from "./checkpoint-watch.js";
export { evalProgress } from "./eval-progress.js";
export {
  type EvaluateCheckpointsOptions,
  type EvaluatePartition,
  evaluateCheckpoints,
} from "./evaluate-checkpoints.js";
export { type RunStart, restoreRun } from "./restore-run.js";
export { type RunTrainingOptions, runTraining, type TrainingResult } from "./run-training.js";
export {
  type BestEvaluation,
  EarlyStopping,
  type EarlyStoppingState,
  improves,
  type MonitorOutcome,
  monitoredValue,
  PlateauSchedule,
  type PlateauState,
  ValidationMonitors,
  type ValidationMonitorsState,
} from "./validation-monitors.js";
export {
  ROW_NORM_REDUCTIONS,
  type RowNormStatistics,
  rowNormStatistics,
  WEIGHT_REDUCTIONS,
  type WeightReduction,
  weightsToLog,
} from "./weight-logging.js";
