import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CHECKPOINT_FILES,
  CheckpointError,
  DataError,
  loadCheckpoint,
  resolveCheckpoint,
} from "@tml/core";
import {
  buildRankingModel,
  createRecapFeaturizer,
  disposeRecapBatch,
  type MultiTaskRankingModel,
  type RecapBatch,
  type RecapConfig,
  RecapTrainTask,
  recapDatasetBatches,
} from "@tml/heavy-ranker";

/** A Heavy Ranker restored from a checkpoint, and one pass over a dataset in eval mode. */
export interface RestoredRanker {
  model: MultiTaskRankingModel;
  step: number;
  checkpoint: string;
  /** One pass over `config.validation_data[partition]` (eval mode; the caller disposes batches). */
  batches(partition: string): AsyncGenerator<RecapBatch>;
  dispose(): void;
}

// heavy-ranker's run/buildRecapRun does the same but is not exported yet; this stays private to
// the evaluator and goes once it is.
/**
 * Builds the model of `config` with the feature widths of `partition`'s first batch and loads the
 * checkpoint's weights (a checkpoint of another model kind is a CheckpointError; missing or
 * misshapen weights too).
 */
export async function restoreRanker(
  config: RecapConfig,
  checkpoint: string,
  partition: string,
): Promise<RestoredRanker> {
  const featurizerOptions = { modelTasks: Object.keys(config.model.tasks), parity: config.parity };
  const batches = async function* (name: string): AsyncGenerator<RecapBatch> {
    const data = config.validation_data[name];
    if (!data) throw new DataError(`no validation_data partition "${name}"`);
    yield* recapDatasetBatches(createRecapFeaturizer(data, featurizerOptions), {
      mode: "eval",
      epochs: 1,
    });
  };
  const path = await resolveCheckpoint(checkpoint);
  const loaded = await loadCheckpoint(path, { modelKind: "heavy-ranker" });
  const probe = batches(partition);
  const first = await probe.next();
  // Close the reader now rather than when the generator is garbage-collected.
  await probe.return(undefined);
  if (first.done)
    throw new DataError(`${partition}: the data holds fewer rows than one global_batch_size batch`);
  const shapes = {
    continuousWidth: first.value.continuous.shape[1],
    binaryWidth: first.value.binary.shape[1],
    embeddingWidth:
      first.value.userEmbedding?.shape[1] ?? first.value.authorEmbedding?.shape[1] ?? 200,
  };
  disposeRecapBatch(first.value);
  const model = buildRankingModel(config, shapes, 0);
  const task = new RecapTrainTask({ model, config });
  try {
    task.loadWeights(loaded.state);
  } catch (error) {
    task.dispose();
    model.dispose();
    throw error;
  }
  return {
    model,
    step: loaded.step,
    checkpoint: path,
    batches,
    dispose() {
      task.dispose();
      model.dispose();
    },
  };
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
