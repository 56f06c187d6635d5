export {
  barChart,
  type ChartSpec,
  calibrationChart,
  histogramChart,
  lineChart,
  precisionRecallChart,
  rocChart,
  type Series,
} from "./charts.js";
export {
  type Report,
  type ReportPlot,
  type ReportSection,
  type ReportTable,
  type WrittenReport,
  writeReport,
} from "./html-report.js";
export {
  appendMetricsRecord,
  type MetricsRecord,
  metricsLogCallbacks,
  readMetricsLog,
  truncateMetricsLog,
} from "./metrics-log.js";
export {
  formatDuration,
  formatProgressLine,
  type ProgressOptions,
  type ProgressState,
  type ProgressStream,
  progressCallbacks,
  shownMetrics,
} from "./progress-bar.js";
export { renderSvg, svgToPng } from "./render.js";
export {
  checkRunDirectory,
  type PreparedRun,
  type PrepareRunOptions,
  prepareRunDirectory,
  type RunDirectory,
  type RunMarker,
  runDirectoryLayout,
} from "./run-directory.js";
export {
  encodeEvent,
  TensorBoardWriter,
  tensorBoardCallbacks,
} from "./tensorboard.js";
