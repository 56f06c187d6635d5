import { join } from "node:path";
import { createLogger, type Logger, loadConfigFile, writeFileAtomic } from "@tml/core";
import { type ReportSection, readMetricsLog, type WrittenReport, writeReport } from "@tml/reports";
import {
  type EntityNeighbours,
  evaluateTwhin,
  sampleNeighbours,
  selectedCheckpoint,
  twhinConfigSchema,
} from "@tml/twhin";
import { type LinkPredictionSummary, linkPredictionSections } from "../reports/link-prediction.js";
import { trainingCurvesSection } from "../reports/training-curves.js";
import { locateRun, runConfigFile } from "../run-location.js";
import type { RunEvaluationOptions } from "./run-evaluation-options.js";

/** Options of `evaluateTwhinRun`. */
export interface EvaluateTwhinRunOptions extends RunEvaluationOptions {
  /** Edges to rank (Parquet glob or folder; default the config's evaluation / validation data). */
  data?: string;
  /** Rank at most this many edges (default all). */
  maxEdges?: number;
  /** Sample entities per table for the nearest-neighbour table (default 5), and k (default 5). */
  neighbours?: number;
  device?: string;
  logger?: Logger;
}

/** What `evaluateTwhinRun` computed and wrote. */
export interface TwhinEvaluation {
  checkpoint: string;
  edges: number;
  summary: LinkPredictionSummary;
  neighbours: EntityNeighbours[];
  sections: ReportSection[];
  out: string;
  metricsJson: string;
  /** The written report, unless `report: false`. */
  report: WrittenReport | undefined;
}

function named(metrics: {
  mrr: number;
  mr: number;
  hits1: number;
  hits3: number;
  hits10: number;
  auc: number;
}) {
  return {
    mrr: metrics.mrr,
    mr: metrics.mr,
    "hits@1": metrics.hits1,
    "hits@3": metrics.hits3,
    "hits@10": metrics.hits10,
    auc: metrics.auc,
  };
}

/**
 * `evaluator twhin` on a run: @tml/twhin's `evaluateTwhin` (filtered link prediction: MRR, MR,
 * Hits@k, sampled AUC, both directions and each alone) and `sampleNeighbours`, with the run's
 * training curves, written as `metrics.json` and `report.html`.
 */
export async function evaluateTwhinRun(options: EvaluateTwhinRunOptions): Promise<TwhinEvaluation> {
  const location = locateRun(options.checkpoint);
  const configFile = runConfigFile("evaluator twhin", location, options.checkpoint, options.config);
  const config = loadConfigFile(twhinConfigSchema, configFile, {
    overrides: options.overrides ?? [],
  });
  const logger = options.logger ?? createLogger({ name: "evaluator", level: "warn" });
  const result = await evaluateTwhin({
    config,
    // A run's best-validation checkpoint (model_selection) when it kept one, else its newest.
    checkpoint: (await selectedCheckpoint(location.checkpoint)) ?? location.checkpoint,
    device: options.device ?? "auto",
    logger,
    ...(options.data ? { dataRoot: options.data } : {}),
    ...(options.maxEdges !== undefined ? { maxEdges: options.maxEdges } : {}),
  });
  const summary: LinkPredictionSummary = {
    overall: named(result.both),
    perRelation: { "tail (rank rhs)": named(result.tail), "head (rank lhs)": named(result.head) },
  };
  const neighbours = await sampleNeighbours({
    config,
    checkpoint: result.checkpoint,
    samples: options.neighbours ?? 5,
    device: options.device ?? "auto",
    logger,
  });
  const curves = location.metricsFile
    ? trainingCurvesSection(readMetricsLog(location.metricsFile), "twhin")
    : undefined;
  const sections = [
    ...linkPredictionSections(summary, neighbours, "twhin"),
    ...(curves ? [curves] : []),
  ];
  const out = options.out ?? join(location.root ?? ".", "evaluation");
  const metricsJson = join(out, "metrics.json");
  writeFileAtomic(
    metricsJson,
    `${JSON.stringify({ model: "twhin", checkpoint: result.checkpoint, edges: result.edges, ...summary, neighbours }, null, 2)}\n`,
  );
  const report =
    options.report === false
      ? undefined
      : await writeReport(out, {
          title: "TwHIN evaluation",
          subtitle: `checkpoint ${result.checkpoint}; ${result.edges} held-out edges ranked in ${result.seconds.toFixed(1)}s`,
          sections,
        });
  return {
    checkpoint: result.checkpoint,
    edges: result.edges,
    summary,
    neighbours,
    sections,
    out,
    metricsJson,
    report,
  };
}
