import { ConfigError, type Logger } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { checkEdges } from "../data/edge-check.js";
import { expandGlob, readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { type LinkPredictionResult, trainingEntities } from "../eval/link-metrics.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import type { TwhinModel } from "../model/twhin-model.js";
import { loadTwhinModel } from "./load-model.js";
import { type ConfigSource, resolveConfig } from "./resolve-config.js";

/** Options of `evaluateTwhin`. */
export interface EvaluateTwhinOptions {
  config: ConfigSource;
  overrides?: readonly string[];
  /** Checkpoint folder or save dir (newest); default `training.save_dir`. */
  checkpoint?: string;
  /** Edges to rank; default `evaluation.data_root`, else `validation_data.data_root`. */
  dataRoot?: string;
  /** Extra known-true edges for filtering (globs); default `evaluation.filter_roots`. */
  filterRoots?: readonly string[];
  /** At most this many edges (0 = all). */
  maxEdges?: number;
  device?: string;
  logger?: Logger;
  /** Called after each block of ranked queries: queries done and the total (2 per edge). */
  onProgress?: (done: number, total: number) => void;
}

/** The metrics (with `warm` and `cold`: endpoints seen in the training edges or not), and what was evaluated. */
export interface EvaluateTwhinResult extends LinkPredictionResult {
  checkpoint: string;
  edges: number;
  seconds: number;
  /** The checkpoint's model (for `sampleNeighbours`, without loading it again). */
  model: TwhinModel;
}

/**
 * Filtered link prediction of a checkpoint: every edge's tail ranked among all entities of its
 * type and its head likewise (MRR, MR, Hits@1/3/10, sampled AUC), filtering the train edges,
 * the evaluated edges and `filterRoots`; in all, per relation, and warm / cold apart (an edge is
 * cold when an endpoint never occurs in the training edges).
 */
export async function evaluateTwhin(options: EvaluateTwhinOptions): Promise<EvaluateTwhinResult> {
  const config = resolveConfig(options.config, options.overrides);
  await selectEngine({
    device: options.device ?? "auto",
    gradients: false,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { model, path } = await loadTwhinModel(
    config,
    options.checkpoint ?? config.training.save_dir,
  );
  const root =
    options.dataRoot ?? config.evaluation?.data_root ?? config.validation_data?.data_root;
  if (!root) {
    throw new ConfigError(
      "Nothing to evaluate: the config has neither evaluation.data_root nor validation_data.",
    );
  }
  // Every edge is checked against the model before any ranking (DataError naming file and row).
  const edges = await readEdges(root);
  checkEdges(model, edges, "evaluation");
  const train = await readEdges(config.train_data.data_root);
  checkEdges(model, train, "training");
  const roots = options.filterRoots ?? config.evaluation?.filter_roots ?? [];
  const extra = await Promise.all(
    roots.flatMap((r) => expandGlob(r)).map((file) => readEdges(file)),
  );
  for (const set of extra) checkEdges(model, set, "filter");
  const filter = new FilterIndex(model.relations.length, [train, edges, ...extra], edges);
  const began = performance.now();
  const maxEdges = options.maxEdges ?? config.evaluation?.max_edges ?? 0;
  const result = await evaluateLinkPrediction(model, edges, {
    filter,
    maxEdges,
    seed: config.seed,
    trainingEntities: trainingEntities(model, train),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const seconds = (performance.now() - began) / 1000;
  options.logger?.info("twhin evaluation", { checkpoint: path, seconds, ...result.both });
  return {
    ...result,
    model,
    checkpoint: path,
    edges: maxEdges ? Math.min(maxEdges, edges.size) : edges.size,
    seconds,
  };
}
