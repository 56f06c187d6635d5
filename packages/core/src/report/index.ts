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
export { renderSvg, svgToPng } from "./render.js";
