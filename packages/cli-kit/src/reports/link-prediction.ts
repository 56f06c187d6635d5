import { barChart, histogramChart, type ReportPlot, type ReportSection } from "@tml/reports";
import type { EntityNeighbours } from "@tml/twhin";

/** Named link-prediction metrics: `mrr`, `mr`, `hits@k`, `auc`, `queries` (keys as computed). */
export type LinkMetrics = Readonly<Record<string, number>>;

/** Metrics of one set of edges: both directions together, and the tail and head queries apart. */
export interface LinkMetricSlice {
  overall: LinkMetrics;
  /** Tail queries (lhs, rel, ?): the rhs ranked. */
  tail?: LinkMetrics;
  /** Head queries (?, rel, rhs): the lhs ranked. */
  head?: LinkMetrics;
}

/**
 * Link-prediction results: every evaluated edge, each relation, warm and cold edges, and the
 * ranks behind them.
 */
export interface LinkPredictionSummary extends LinkMetricSlice {
  /** Per relation name. */
  perRelation?: Readonly<Record<string, LinkMetricSlice>>;
  /** Edges whose two endpoints occur in the training edges. */
  warm?: LinkMetricSlice;
  /** Edges with an endpoint that never occurs in the training edges (cold start). */
  cold?: LinkMetricSlice;
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

/**
 * Table rows: "all", its tail and head queries, "warm" and "cold" (when split), then each
 * relation (both directions).
 */
export function linkMetricRows(summary: LinkPredictionSummary): (string | number | null)[][] {
  const columns = linkMetricColumns(summary.overall);
  const row = (name: string, metrics: LinkMetrics) => [
    name,
    ...columns.map((column) => metrics[column] ?? null),
  ];
  const rows = [row("all", summary.overall)];
  if (summary.tail) rows.push(row("all: tail (rank rhs)", summary.tail));
  if (summary.head) rows.push(row("all: head (rank lhs)", summary.head));
  if (summary.warm) rows.push(row("warm (seen in training)", summary.warm.overall));
  if (summary.cold) rows.push(row("cold (an endpoint unseen)", summary.cold.overall));
  for (const [name, slice] of Object.entries(summary.perRelation ?? {}))
    rows.push(row(name, slice.overall));
  return rows;
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
  for (const [relation, { overall: metrics }] of Object.entries(summary.perRelation ?? {})) {
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
      text: "Filtered ranking of each held-out edge's true entity against every entity of its table (MRR, mean rank, Hits@k), and AUC of true edges against random corruptions; all edges, tail and head queries apart, warm edges (both endpoints occur in the training edges) and cold ones, and each relation.",
      table: { columns: ["relation", ...columns], rows: linkMetricRows(summary) },
      plots,
    },
  ];
  if (neighbours.length > 0) {
    sections.push({
      heading: `${prefix}: nearest neighbours`,
      text: "Closest entities by cosine similarity of their embeddings.",
      table: {
        columns: ["entity", "neighbours (name or id: similarity)"],
        rows: neighbours.map((list) => [
          `${list.table} ${entityLabel(list)}`,
          list.neighbours.map((n) => `${entityLabel(n)}: ${n.score.toFixed(3)}`).join(", "),
        ]),
      },
    });
  }
  return sections;
}

/** An entity's name with its id (`Barack Obama (#12)`), or its id when it has no name. */
export function entityLabel(entity: { id: number; name?: string }): string {
  return entity.name === undefined ? String(entity.id) : `${entity.name} (#${entity.id})`;
}
