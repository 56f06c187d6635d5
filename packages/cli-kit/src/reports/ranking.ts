import { barChart, histogramChart, type ReportSection } from "@tml/reports";

/** A ranked candidate as serving returns it (heavy-ranker `RankedCandidate`), with an optional id. */
export interface RankedRow {
  /** Row of the candidate in the input. */
  index: number;
  /** Σ weight × calibrated probability. */
  score: number;
  /** weight × calibrated probability per task. */
  contributions: Readonly<Record<string, number>>;
  /** Tweet or candidate id when the input has one. */
  id?: string | number;
}

function shortName(task: string): string {
  return task.replace(/^recap\.engagement\./, "");
}

/** Task columns ordered by their largest absolute contribution (the tasks that decide the order). */
export function contributionTasks(rows: readonly RankedRow[]): string[] {
  const largest = new Map<string, number>();
  for (const row of rows)
    for (const [task, value] of Object.entries(row.contributions))
      largest.set(task, Math.max(largest.get(task) ?? 0, Math.abs(value)));
  return [...largest].sort((a, b) => b[1] - a[1]).map(([task]) => task);
}

/** One line explaining a score: its largest terms, e.g. `reply +0.41, negative_feedback_v2 −0.30`. */
export function explainCandidate(row: RankedRow, terms = 3): string {
  return Object.entries(row.contributions)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, terms)
    .map(
      ([task, value]) =>
        `${shortName(task)} ${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(4)}`,
    )
    .join(", ");
}

/** Table columns and rows: rank, id, score, explanation, one column per task contribution. */
export function rankingTable(rows: readonly RankedRow[], limit = rows.length) {
  const tasks = contributionTasks(rows);
  return {
    columns: ["rank", "candidate", "score", "why", ...tasks.map(shortName)],
    rows: rows
      .slice(0, limit)
      .map((row, rank) => [
        rank + 1,
        String(row.id ?? row.index),
        row.score,
        explainCandidate(row),
        ...tasks.map((task) => row.contributions[task] ?? 0),
      ]),
  };
}

/** Report section: the ranked timeline, the top candidate's contributions and the score histogram. */
export function rankingSection(
  rows: readonly RankedRow[],
  prefix: string,
  limit = 20,
): ReportSection {
  const top = rows[0];
  const plots = [
    {
      name: `${prefix}-scores`,
      spec: histogramChart(
        "Candidate scores",
        rows.map((row) => row.score),
        "score",
      ),
    },
  ];
  if (top) {
    plots.unshift({
      name: `${prefix}-top-contributions`,
      spec: barChart(
        `Why candidate ${top.id ?? top.index} ranks first`,
        Object.fromEntries(
          Object.entries(top.contributions).map(([task, value]) => [shortName(task), value]),
        ),
        "weight × probability",
      ),
    });
  }
  return {
    heading: `${prefix}: ranked candidates`,
    text: `${rows.length} candidates scored with score = Σ serving weight × calibrated probability; the top ${Math.min(limit, rows.length)} are listed with each task's contribution.`,
    table: rankingTable(rows, limit),
    plots,
  };
}
