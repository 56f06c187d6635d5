import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CheckpointError, DataError } from "@tml/core";
import { CHECKPOINT_FILES, loadCheckpoint, resolveCheckpoint } from "@tml/training";
import type { RecapConfig } from "../config/recap-config.js";
import type { RecapBatch } from "../features/recap-batch.js";
import type { MultiTaskRankingModel } from "../model/ranking-model.js";
import { buildRecapRun } from "./build-run.js";
import type { TwhinEmbeddings } from "./twhin-embeddings.js";

/** A Heavy Ranker restored from a checkpoint, and one pass over a dataset in eval mode. */
export interface RestoredRanker {
  model: MultiTaskRankingModel;
  step: number;
  checkpoint: string;
  /** One pass over `config.validation_data[partition]` (eval mode; the caller disposes batches). */
  batches(partition: string): AsyncGenerator<RecapBatch>;
  dispose(): void;
}

/**
 * Builds the model of `config` (feature widths from the data, so the training files may be absent)
 * and loads the checkpoint's weights (a checkpoint of another model kind is a CheckpointError;
 * missing or misshapen weights too). `embeddings` replace the data's embedding columns in the width
 * probe and every batch, as in training (`withTwhinEmbeddings`).
 */
export async function restoreRanker(
  config: RecapConfig,
  checkpoint: string,
  partition: string,
  embeddings?: TwhinEmbeddings,
): Promise<RestoredRanker> {
  const path = await resolveCheckpoint(checkpoint);
  const loaded = await loadCheckpoint(path, { modelKind: "heavy-ranker" });
  if (!config.validation_data[partition]) {
    throw new DataError(`no validation_data partition "${partition}"`);
  }
  const run = await buildRecapRun(config, {
    evalPartition: partition,
    allowMissingTrainData: true,
    ...(embeddings ? { embeddings } : {}),
  });
  const dispose = () => {
    run.task.dispose();
    run.model.dispose();
  };
  try {
    run.task.loadWeights(loaded.state);
  } catch (error) {
    dispose();
    throw error;
  }
  const batches = (name: string): AsyncGenerator<RecapBatch> => {
    if (!config.validation_data[name])
      throw new DataError(`no validation_data partition "${name}"`);
    return run.validationBatches(name);
  };
  return { model: run.model, step: loaded.step, checkpoint: path, batches, dispose };
}

/**
 * Resolves a checkpoint (or save dir) and checks from its manifest alone that a Heavy Ranker wrote
 * it, so a wrong checkpoint is reported before any data is read. Returns the checkpoint path.
 */
export async function checkRankerCheckpoint(checkpoint: string): Promise<string> {
  const path = await resolveCheckpoint(checkpoint);
  let kind: unknown;
  try {
    kind = (
      JSON.parse(readFileSync(join(path, CHECKPOINT_FILES.manifest), "utf8")) as {
        model_kind?: unknown;
      }
    ).model_kind;
  } catch (cause) {
    throw new CheckpointError(
      `Checkpoint ${path} has no readable manifest; it is incomplete or corrupt.`,
      { cause },
    );
  }
  if (kind !== "heavy-ranker") {
    throw new CheckpointError(
      `Checkpoint ${path} was written by a ${String(kind)} model, not heavy-ranker; point to a heavy-ranker checkpoint.`,
      { details: { path, modelKind: kind } },
    );
  }
  return path;
}
