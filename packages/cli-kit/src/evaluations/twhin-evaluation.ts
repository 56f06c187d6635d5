import { join } from "node:path";
import { createLogger, type Logger, loadConfigFile, writeFileAtomic } from "@tml/core";
import { type ReportSection, readMetricsLog, type WrittenReport, writeReport } from "@tml/reports";
import {
  type DirectionMetrics,
  type EntityNeighbours,
  evaluateTwhin,
  type RankingMetrics,
  readEntityNames,
  sampleNeighbours,
  selectedCheckpoint,
  twhinConfigSchema,
} from "@tml/twhin";
import {
  type LinkMetricSlice,
  type LinkMetrics,
  type LinkPredictionSummary,
  linkPredictionSections,
} from "../reports/link-prediction.js";
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
  /** Called after each block of ranked queries: queries done and the total (2 per edge). */
  onProgress?: (done: number, total: number) => void;
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

function named(metrics: RankingMetrics): LinkMetrics {
  return {
    mrr: metrics.mrr,
    mr: metrics.mr,
    "hits@1": metrics.hits1,
    "hits@3": metrics.hits3,
    "hits@10": metrics.hits10,
    auc: metrics.auc,
    queries: metrics.count,
  };
}

function slice(metrics: DirectionMetrics): LinkMetricSlice {
  return { overall: named(metrics.both), tail: named(metrics.tail), head: named(metrics.head) };
}

/**
 * `evaluator twhin` on a run: @tml/twhin's `evaluateTwhin` (filtered link prediction: MRR, MR,
 * Hits@k, sampled AUC; all edges, tail and head queries, warm and cold edges, each relation) and
 * `sampleNeighbours` (named from the graph's dictionaries when it has them), with the run's
 * training curves, written as `metrics.json` and `report.html`.
 */
export async function evaluateTwhinRun(options: EvaluateTwhinRunOptions): Promise<TwhinEvaluation> {
  const location = locateRun(options.checkpoint, "twhin");
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
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const summary: LinkPredictionSummary = {
    ...slice(result),
    ...(result.warm ? { warm: slice(result.warm) } : {}),
    ...(result.cold ? { cold: slice(result.cold) } : {}),
    perRelation: Object.fromEntries(
      Object.entries(result.perRelation).map(([name, metrics]) => [name, slice(metrics)]),
    ),
  };
  const neighbours = await sampleNeighbours({
    model: result.model,
    samples: options.neighbours ?? 5,
    names: readEntityNames(config.train_data.data_root),
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
