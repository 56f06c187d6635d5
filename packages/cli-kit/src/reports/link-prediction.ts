import { barChart, histogramChart, type ReportPlot, type ReportSection } from "@tml/reports";
import type { EntityNeighbours } from "@tml/twhin";

/** Link-prediction results: overall and per-relation metrics, and the ranks behind them. */
export interface LinkPredictionSummary {
  /** `mrr`, `mr`, `hits@k`, `auc` (keys as computed). */
  overall: Readonly<Record<string, number>>;
  /** The same metrics per relation name. */
  perRelation?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Filtered rank (1 = best) of each evaluated true entity, for the histogram. */
  ranks?: ArrayLike<number>;
}

/** Metric columns in display order: MRR, MR, Hits@k ascending, AUC, then anything else. */
export function linkMetricColumns(metrics: Readonly<Record<string, number>>): string[] {
  const keys = Object.keys(metrics);
  const hits = keys
    .filter((key) => key.startsWith("hits@"))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const known = ["mrr", "mr", ...hits, "auc"];
  return [...known.filter((key) => key in metrics), ...keys.filter((key) => !known.includes(key))];
}

/** Table rows: "all" first, then each relation. */
export function linkMetricRows(summary: LinkPredictionSummary): (string | number | null)[][] {
  const columns = linkMetricColumns(summary.overall);
  const row = (name: string, metrics: Readonly<Record<string, number>>) => [
    name,
    ...columns.map((column) => metrics[column] ?? null),
  ];
  return [
    row("all", summary.overall),
    ...Object.entries(summary.perRelation ?? {}).map(([name, metrics]) => row(name, metrics)),
  ];
}

/** Report sections: metric table, Hits@k bars (overall and per relation), rank histogram, neighbours. */
export function linkPredictionSections(
  summary: LinkPredictionSummary,
  neighbours: readonly EntityNeighbours[],
  prefix: string,
): ReportSection[] {
  const columns = linkMetricColumns(summary.overall);
  const hits = Object.fromEntries(
    columns.filter((c) => c.startsWith("hits@")).map((c) => [c, summary.overall[c] as number]),
  );
  const plots: ReportPlot[] = [
    { name: `${prefix}-hits`, spec: barChart("Hits@k (all relations)", hits, "fraction") },
  ];
  for (const [relation, metrics] of Object.entries(summary.perRelation ?? {})) {
    if (metrics.mrr !== undefined) {
      plots.push({
        name: `${prefix}-hits-${relation.replace(/[^\w-]+/g, "_")}`,
        spec: barChart(
          `Hits@k: ${relation}`,
          Object.fromEntries(
            columns.filter((c) => c.startsWith("hits@")).map((c) => [c, metrics[c] ?? 0]),
          ),
          "fraction",
        ),
      });
    }
  }
  if (summary.ranks && summary.ranks.length > 0) {
    const logRanks = Array.from(summary.ranks, (rank) => Math.log10(rank));
    plots.push({
      name: `${prefix}-ranks`,
      spec: histogramChart("Filtered rank of the true entity (log10)", logRanks, "log10 rank"),
    });
  }
  const sections: ReportSection[] = [
    {
      heading: `${prefix}: link prediction`,
      text: "Filtered ranking of each held-out edge's true entity against every entity of its table (MRR, mean rank, Hits@k), and AUC of true edges against random corruptions.",
      table: { columns: ["relation", ...columns], rows: linkMetricRows(summary) },
      plots,
    },
  ];
  if (neighbours.length > 0) {
    sections.push({
      heading: `${prefix}: nearest neighbours`,
      text: "Closest entities by cosine similarity of their embeddings.",
      table: {
        columns: ["entity", "neighbours (id: similarity)"],
        rows: neighbours.map((list) => [
          `${list.table} ${list.id}`,
          list.neighbours.map((n) => `${n.id}: ${n.score.toFixed(3)}`).join(", "),
        ]),
      },
    });
  }
  return sections;
}
