export { type CliIo, processIo, runCli } from "./cli-io.js";
export { deviceFlag, engineLine, selectCommandEngine } from "./device.js";
export {
  type EvaluateHeavyRankerRunOptions,
  evaluateHeavyRankerRun,
  type HeavyRankerEvaluation,
} from "./evaluations/heavy-ranker-evaluation.js";
export { type RankRunOptions, type RankRunResult, rankRun } from "./evaluations/rank-run.js";
export type { RunEvaluationOptions } from "./evaluations/run-evaluation-options.js";
export { scorerLabel } from "./evaluations/scorer-label.js";
export {
  type EvaluateTwhinRunOptions,
  evaluateTwhinRun,
  type TwhinEvaluation,
} from "./evaluations/twhin-evaluation.js";
export {
  booleanFlag,
  type FlagSpec,
  optionalInteger,
  optionalString,
  type ParsedFlags,
  parseFlags,
  requiredString,
  stringList,
  THREADS_HELP,
} from "./flags.js";
export {
  STRATUM_METRIC_COLUMNS,
  stratumMetricRows,
  TASK_METRIC_COLUMNS,
  taskMetricRows,
} from "./reports/binary-tasks.js";
export {
  entityLabel,
  type LinkMetricSlice,
  type LinkMetrics,
  type LinkPredictionSummary,
  linkMetricColumns,
  linkMetricRows,
} from "./reports/link-prediction.js";
export {
  explainCandidate,
  type RankedRow,
  rankingSection,
  rankingTable,
} from "./reports/ranking.js";
export type { RunLocation } from "./run-location.js";
export { type Cell, formatTable } from "./table.js";
export { type WorkProgressOptions, workProgress } from "./work-progress.js";
