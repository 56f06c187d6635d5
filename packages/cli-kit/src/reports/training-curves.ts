import {
  lineChart,
  type MetricsRecord,
  type ReportPlot,
  type ReportSection,
  type Series,
} from "@tml/reports";

// Counts and rates that do not change with training are not plotted.
const SKIPPED_FAMILIES = new Set(["eval_examples", "queries", "count", "ctr", "pctr"]);

function plotName(text: string): string {
  return text.replace(/[^\w-]+/g, "_");
}

/**
 * "Training" section from a run's `metrics.jsonl`: the loss curve, and one curve per evaluation
 * metric family (`auroc/<task>` for every task on one chart). Undefined when the log is empty.
 */
export function trainingCurvesSection(
  records: readonly MetricsRecord[],
  prefix: string,
): ReportSection | undefined {
  const train = records.filter((record) => record.kind === "train");
  const evals = records.filter((record) => record.kind === "eval");
  if (train.length === 0 && evals.length === 0) return undefined;
  const plots: ReportPlot[] = [];
  if (train.length > 0) {
    plots.push({
      name: `${prefix}-loss`,
      spec: lineChart(
        `${prefix}: training loss`,
        [{ name: "train loss", x: train.map((r) => r.step), y: train.map((r) => r.loss) }],
        "step",
        "loss",
      ),
    });
  }
  // Group eval metrics by family: "auroc/fav" and "auroc/reply" share the "auroc" chart.
  const families = new Map<string, Map<string, { x: number[]; y: number[] }>>();
  for (const record of evals) {
    for (const [name, value] of Object.entries(record.metrics)) {
      if (!Number.isFinite(value)) continue;
      const slash = name.indexOf("/");
      // "auroc/<task>" shares the "auroc" chart with the other tasks; hits@1/3/10 share one chart.
      const family = slash >= 0 ? name.slice(0, slash) : name.startsWith("hits@") ? "hits@k" : name;
      const series = (slash < 0 ? name : name.slice(slash + 1)).replace(/^recap\.engagement\./, "");
      const group = families.get(family) ?? new Map();
      const points = group.get(series) ?? { x: [], y: [] };
      points.x.push(record.step);
      points.y.push(value);
      group.set(series, points);
      families.set(family, group);
    }
  }
  for (const [family, group] of families) {
    if (SKIPPED_FAMILIES.has(family)) continue;
    const series: Series[] = [...group].map(([name, points]) => ({ name, ...points }));
    if (series.every((s) => s.x.length < 2)) continue;
    plots.push({
      name: plotName(`${prefix}-eval-${family}`),
      spec: lineChart(`${prefix}: ${family} during training`, series, "step", family),
    });
  }
  const last = train.at(-1);
  return {
    heading: `${prefix}: training`,
    text: last
      ? `${train.length} log records up to step ${last.step}; final loss ${last.loss.toPrecision(4)}, ${Math.round(last.examples_per_second)} examples/s.`
      : `${evals.length} evaluations.`,
    plots,
  };
}
