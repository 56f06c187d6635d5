export { type CliIo, processIo, reportError, runCli } from "./cli/cli-io.js";
export {
  booleanFlag,
  type FlagSpec,
  optionalInteger,
  optionalString,
  type ParsedFlags,
  parseFlags,
  requiredString,
  stringList,
} from "./cli/flags.js";
export { type Cell, formatCell, formatTable } from "./cli/table.js";
export {
  type EvaluateHeavyRankerRunOptions,
  evaluateHeavyRankerRun,
  type HeavyRankerEvaluation,
} from "./pipeline/evaluate-heavy-ranker.js";
export {
  type EvaluateTwhinRunOptions,
  evaluateTwhinRun,
  type TwhinEvaluation,
} from "./pipeline/evaluate-twhin.js";
export { type RankRunOptions, type RankRunResult, rankRun } from "./pipeline/rank-run.js";
export { SCORER_KINDS, type ScorerKind } from "./pipeline/ranker-scorer.js";
export { locateRun, type RunLocation } from "./pipeline/run-location.js";
export {
  binaryTaskSections,
  type ScoredTask,
  TASK_METRIC_COLUMNS,
  type TaskMetrics,
  taskMetricRows,
  taskMetrics,
} from "./reports/binary-tasks.js";
export {
  type LinkPredictionSummary,
  linkMetricColumns,
  linkMetricRows,
  linkPredictionSections,
  type NeighbourList,
} from "./reports/link-prediction.js";
export {
  contributionTasks,
  explainCandidate,
  type RankedRow,
  rankingSection,
  rankingTable,
} from "./reports/ranking.js";
export { trainingCurvesSection } from "./reports/training-curves.js";
