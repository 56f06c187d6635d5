import type { RankingMetrics, TrainTwhinResult, TwhinConfig } from "@tml/twhin";
import type { KnowledgeGraphCounts } from "./kg-data.js";

/** Filtered ranking metrics under the names of results.json (LibKGE's). */
export interface KgMetrics {
  mrr: number;
  mr: number;
  "hits@1": number;
  "hits@3": number;
  "hits@10": number;
  /** Ranking queries (two per triple: tail and head). */
  queries: number;
}

/** `OUT/results.json` of `trainer kg`. */
export interface KgResults {
  format: "tml-kg-results/1";
  /** The knowledge-graph directory trained on. */
  data: string;
  /** Filtered test metrics, both directions averaged (every test triple kept). */
  test: KgMetrics;
  /** The same per direction: `tail` ranks (h, r, ?), `head` ranks (?, r, t). */
  test_per_direction: { tail: KgMetrics; head: KgMetrics };
  /** The recipe, the `--set` overrides and the full resolved settings it trained with. */
  recipe: {
    /** The recipe trained: `requested`, or the variant of it `recipeForGraph` chose for the graph's size. */
    name: string;
    /** The `--recipe` given. */
    requested: string;
    overrides: string[];
    settings: TwhinConfig;
  };
  /** The checkpoint evaluated and exported: the best-validation one, else the last. */
  checkpoint: string;
  status: TrainTwhinResult["status"];
  steps: number;
  epochs_trained: number;
  /** Epoch of the best validation MRR (null without validation). */
  best_epoch: number | null;
  best_validation_mrr: number | null;
  /** Active training seconds across resumes. */
  train_seconds: number;
  test_eval_seconds: number;
  /** Seconds this invocation of the command took, conversion to results. */
  wall_seconds: number;
  /** Training edges per second of active training time. */
  edges_per_s: number;
  engine: string;
  workers: number;
  counts: KnowledgeGraphCounts;
}

/** RankingMetrics under results.json's names. */
export function kgMetrics(metrics: RankingMetrics): KgMetrics {
  return {
    mrr: metrics.mrr,
    mr: metrics.mr,
    "hits@1": metrics.hits1,
    "hits@3": metrics.hits3,
    "hits@10": metrics.hits10,
    queries: metrics.count,
  };
}

/** Epochs `steps` training steps cover in `trained`'s plan. */
export function epochsOf(trained: TrainTwhinResult, steps: number): number {
  return steps / trained.plan.stepsPerEpoch;
}
