import { ConfigError, type Logger } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { expandGlob, readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction, type LinkPredictionResult } from "../eval/link-prediction.js";
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
}

/** The metrics plus what was evaluated. */
export interface EvaluateTwhinResult extends LinkPredictionResult {
  checkpoint: string;
  edges: number;
  seconds: number;
}

/**
 * Filtered link prediction of a checkpoint: every edge's tail ranked among all entities of its
 * type and its head likewise (MRR, MR, Hits@1/3/10, sampled AUC), filtering the train edges,
 * the evaluated edges and `filterRoots`.
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
  const edges = await readEdges(root);
  const train = await readEdges(config.train_data.data_root);
  const roots = options.filterRoots ?? config.evaluation?.filter_roots ?? [];
  const extra = await Promise.all(
    roots.flatMap((r) => expandGlob(r)).map((file) => readEdges(file)),
  );
  const filter = new FilterIndex(model.relations.length, [train, edges, ...extra]);
  const began = performance.now();
  const maxEdges = options.maxEdges ?? config.evaluation?.max_edges ?? 0;
  const result = evaluateLinkPrediction(model, edges, { filter, maxEdges, seed: config.seed });
  const seconds = (performance.now() - began) / 1000;
  options.logger?.info("twhin evaluation", { checkpoint: path, seconds, ...result.both });
  return {
    ...result,
    checkpoint: path,
    edges: maxEdges ? Math.min(maxEdges, edges.size) : edges.size,
    seconds,
  };
}
