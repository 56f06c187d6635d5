import { existsSync } from "node:fs";
import { createLogger, DataError, type Logger, NotFoundError } from "@tml/core";
import { countParquetRows } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { loadRecapConfig } from "../config/load-recap-config.js";
import { disposeRecapBatch } from "../features/recap-batch.js";
import { type RankedCandidate, rankCandidates } from "../serving/rank-candidates.js";
import { loadScorerRuntime, restoreScoringRanker, type ScorerKind } from "./ranker-scorer.js";
import { checkRankerCheckpoint } from "./restore-ranker.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/** Options of `rankWithCheckpoint`. */
export interface RankWithCheckpointOptions {
  /** Names the caller in error messages (`evaluator rank`). */
  command: string;
  /** Recap config file (a run's resolved `config.yaml`). */
  configFile: string;
  /** A checkpoint (`<save_dir>/<step>`) or a save dir (its latest). */
  checkpoint: string;
  /** Parquet file (or glob) of candidate rows in the training data's layout. */
  candidates: string;
  /** Serving weights by task name (default: the published weights). */
  weights?: Readonly<Record<string, number>>;
  device?: string;
  /** tfjs model (default) or its ONNX graph in fp32 / int8 (onnxruntime-node). */
  scorer?: ScorerKind;
  /**
   * TwHIN embeddings replacing the candidates' embedding columns (looked up by user / author id),
   * as `trainHeavyRanker`'s option of that name: same lookup, same DataErrors.
   */
  embeddings?: TwhinEmbeddings;
  logger?: Logger;
}

/** Candidates ranked by a checkpoint, best first. */
export interface RankedWithCheckpoint {
  step: number;
  scorer: ScorerKind;
  /** onnxruntime-node's version for the ONNX scorers. */
  runtimeVersion: string | undefined;
  /** Best first (ties keep input order), each with its per-task contributions. */
  ranked: RankedCandidate[];
}

/**
 * Ranks candidate rows with a Heavy Ranker checkpoint and the serving weights (score = Σ weight ×
 * calibrated probability, `rankCandidates`), all candidates in one batch since the eval pass drops
 * a short last batch. A missing or unreadable candidates file is a NotFoundError / DataError.
 */
export async function rankWithCheckpoint(
  options: RankWithCheckpointOptions,
): Promise<RankedWithCheckpoint> {
  const { command } = options;
  const loaded = loadRecapConfig(options.configFile);
  await checkRankerCheckpoint(options.checkpoint);
  if (!existsSync(options.candidates)) {
    throw new NotFoundError(`${command}: candidates file ${options.candidates} does not exist`);
  }
  const rows = await countParquetRows(options.candidates).catch((cause: unknown) => {
    throw new DataError(
      `${command}: ${options.candidates} is not a readable Parquet file (${(cause as Error).message.split("\n")[0]})`,
      { cause },
    );
  });
  if (rows === 0) throw new DataError(`${command}: ${options.candidates} holds no candidates`);
  const data = { ...loaded.train_data, inputs: options.candidates, global_batch_size: rows };
  const config = { ...loaded, train_data: data, validation_data: { candidates: data } };
  const logger = options.logger ?? createLogger({ name: "heavy-ranker-eval", level: "warn" });
  // Scoring only: no gradients, so callers need no resolve hook (see @tml/engine's gradients).
  await selectEngine({ device: options.device ?? "auto", logger, gradients: false });
  const kind = options.scorer ?? "tfjs";
  const runtime = loadScorerRuntime(command, kind);
  const runtimeVersion = runtime?.version;
  const { ranker, scorer, dispose } = await restoreScoringRanker({
    command,
    config,
    checkpoint: options.checkpoint,
    partition: "candidates",
    kind,
    runtime,
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  const ranked: RankedCandidate[] = [];
  try {
    for await (const batch of ranker.batches("candidates")) {
      try {
        ranked.push(...(await rankCandidates(scorer, batch, options.weights)));
      } finally {
        disposeRecapBatch(batch);
      }
    }
  } finally {
    dispose();
  }
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return { step: ranker.step, scorer: kind, runtimeVersion, ranked };
}
