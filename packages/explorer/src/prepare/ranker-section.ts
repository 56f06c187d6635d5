import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import { CheckpointError, DataError, NotFoundError, TmlError } from "@tml/core";
import {
  countParquetRows,
  HOME_RECAP_2022_RENAMES,
  readParquetFile,
  readParquetSchema,
  readSafetensors,
} from "@tml/data-io";
import {
  buildRecapRun,
  disposeRecapBatch,
  graphModelArtifacts,
  loadRecapConfig,
  loadStateDict,
  type MultiTaskRankingModel,
  modelFilesHandler,
  PUBLISHED_SERVING_WEIGHTS,
  type RecapBatch,
  type RecapConfig,
  saveModelArtifacts,
  selectInputFiles,
} from "@tml/heavy-ranker";
import type { FeatureGroup, RankerManifest } from "../shared/explorer-manifest.js";

/** Candidates shown at most: the first rows of the candidates file. */
export const MAX_CANDIDATES = 100;

/** Largest |browser-graph − Node model| output accepted when the export is checked in Node. */
const EXPORT_TOLERANCE = 1e-5;

/** Graph input name → the RecapBatch field that feeds it. */
const BATCH_FIELDS = {
  continuous: "continuous",
  binary: "binary",
  discrete: "discrete",
  user_embedding: "userEmbedding",
  user_eng_embedding: "userEngEmbedding",
  author_embedding: "authorEmbedding",
} as const;

/** Where a Heavy Ranker's explorer section comes from. */
export interface RankerSource {
  /** The Heavy Ranker run directory (`config.yaml`, `model.safetensors`). */
  root: string;
  /** Candidate rows (Parquet); default the first file of the first validation partition. */
  candidatesFile?: string;
}

/**
 * Exports the run's Heavy Ranker (`model.safetensors`, the weights training exported) as a tfjs
 * graph model into `modelDir`, checks in Node that the graph loads with tfjs-converter (as the
 * page will) and reproduces the model on the candidates, and returns the manifest section: the
 * first `MAX_CANDIDATES` candidate rows, Node's outputs for them and the attribution baseline.
 * No model is a NotFoundError; a model the graph export or tfjs-converter cannot run a
 * CheckpointError.
 */
export async function prepareRankerSection(
  source: RankerSource,
  modelDir: string,
): Promise<RankerManifest> {
  const weightsFile = join(source.root, "model.safetensors");
  if (!existsSync(weightsFile)) {
    throw new NotFoundError(
      `${source.root} has no trained Heavy Ranker (no model.safetensors): train the run to its end (or resume it) first`,
    );
  }
  const weights = readSafetensors(readFileSync(weightsFile), weightsFile);
  const loaded = loadRecapConfig(join(source.root, "config.yaml"));
  const candidatesFile = source.candidatesFile ?? (await firstValidationFile(loaded));
  if (!existsSync(candidatesFile))
    throw new NotFoundError(`the candidates file ${candidatesFile} does not exist`);
  const stored = await countParquetRows(candidatesFile).catch((cause: unknown) => {
    throw new DataError(`${candidatesFile} is not a readable Parquet file of candidates`, {
      cause,
    });
  });
  if (stored === 0) throw new DataError(`${candidatesFile} holds no candidate rows`);
  // One batch of the first rows: the eval pass reads no further.
  const rows = Math.min(stored, MAX_CANDIDATES);
  const data = { ...loaded.train_data, inputs: candidatesFile, global_batch_size: rows };
  const config: RecapConfig = {
    ...loaded,
    train_data: data,
    validation_data: { candidates: data },
  };
  const renamed = loaded.train_data.seg_dense_schema?.renamed_features ?? {};
  const run = await buildRecapRun(config, {
    evalPartition: "candidates",
    allowMissingTrainData: true,
  });
  try {
    loadStateDict(run.model, weights, { source: weightsFile });
    const step = Number(weights.metadata["step"] ?? Number.NaN);
    const batch = (await run.validationBatches("candidates").next()).value as RecapBatch;
    try {
      return await exportAndDescribe(run.model, batch, {
        modelDir,
        candidatesFile,
        step,
        renamed,
        ids: await readIds(candidatesFile, rows, renamed),
      });
    } finally {
      disposeRecapBatch(batch);
    }
  } finally {
    run.task.dispose();
    run.model.dispose();
  }
}

async function firstValidationFile(config: RecapConfig): Promise<string> {
  const partition = Object.values(config.validation_data)[0];
  if (!partition)
    throw new DataError("the run's config has no validation_data to draw candidates from");
  const [file] = await selectInputFiles(partition).catch((cause: unknown) => {
    throw new NotFoundError(
      `the run's validation data (${partition.inputs ?? "inputs"}) cannot be found; the explorer draws its candidates from it`,
      { cause },
    );
  });
  if (!file) throw new NotFoundError("the run's validation data holds no files");
  return file;
}

type IdColumns = Pick<RankerManifest, "userIds" | "authorIds" | "tweetIds">;

/**
 * The `meta__*_id` columns (first `rows` rows) where the data has them, under the config's
 * `renamed_features` or the original's names (`meta.user_id`, …).
 */
async function readIds(
  file: string,
  rows: number,
  renamed: Readonly<Record<string, string>>,
): Promise<IdColumns> {
  const names = ["meta__user_id", "meta__author_id", "meta__tweet_id"];
  const stored = new Map(
    names.map((name) => [name, renamed[name] ?? HOME_RECAP_2022_RENAMES[name] ?? name]),
  );
  const present = new Set((await readParquetSchema(file)).fields.map((field) => field.name));
  const columns = [...stored.values()].filter((column) => present.has(column));
  const table = await readParquetFile(file, { columns });
  const column = (name: string): number[] | null => {
    const values = table.getChild(stored.get(name) as string)?.toArray() as
      | ArrayLike<bigint | number>
      | undefined;
    return values ? Array.from({ length: rows }, (_, row) => Number(values[row])) : null;
  };
  return {
    userIds: column("meta__user_id"),
    authorIds: column("meta__author_id"),
    tweetIds: column("meta__tweet_id"),
  };
}

async function exportAndDescribe(
  model: MultiTaskRankingModel,
  batch: RecapBatch,
  context: {
    modelDir: string;
    candidatesFile: string;
    step: number;
    renamed: Record<string, string>;
    ids: IdColumns;
  },
): Promise<RankerManifest> {
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await graphModelArtifacts(model);
  } catch (cause) {
    if (!TmlError.isInstance(cause)) throw cause;
    throw new CheckpointError(
      `the browser cannot run this model: ${(cause as Error).message}; the explorer needs a model the tfjs graph export covers (MLP or MaskNet, no position debiasing)`,
      { cause },
    );
  }
  const signature = artifacts.signature as { inputs: Record<string, unknown> } | undefined;
  const inputNames = Object.keys(signature?.inputs ?? {});
  const size = batch.size;
  const feeds: Record<string, tf.Tensor> = {};
  const groups: FeatureGroup[] = [];
  for (const name of inputNames) {
    const field = BATCH_FIELDS[name as keyof typeof BATCH_FIELDS];
    const tensor = field ? batch[field] : undefined;
    if (!tensor) throw new DataError(`the candidates have no ${name} feature the model needs`);
    feeds[name] = tensor;
    const dtype = name === "discrete" ? "int32" : "float32";
    groups.push({ name, column: context.renamed[name] ?? null, width: tensor.shape[1], dtype });
  }
  const reference = model.apply(batch, { training: false });
  const [nodeLogits, nodeCalibrated] = (await Promise.all([
    reference.logits.data(),
    reference.calibratedProbabilities.data(),
  ])) as [Float32Array, Float32Array];
  const outputs: (tf.Tensor | undefined)[] = [
    reference.logits,
    reference.probabilities,
    reference.calibratedProbabilities,
    reference.backbone,
  ];
  tf.dispose(outputs.filter((tensor): tensor is tf.Tensor => tensor !== undefined));
  saveModelArtifacts(artifacts, context.modelDir);
  await checkGraphLoads(context.modelDir, feeds, nodeLogits, nodeCalibrated);
  const candidates: Record<string, number[]> = {};
  const baseline: Record<string, number[]> = {};
  const read = await Promise.all(groups.map((group) => (feeds[group.name] as tf.Tensor).data()));
  for (const [index, group] of groups.entries()) {
    const kept = Array.from(read[index] as Float32Array | Int32Array);
    candidates[group.name] = kept;
    if (group.dtype === "float32") baseline[group.name] = columnMeans(kept, size, group.width);
  }
  return {
    step: context.step,
    tasks: [...model.taskNames],
    servingWeights: model.taskNames.map((task) => PUBLISHED_SERVING_WEIGHTS[task] ?? 0),
    groups,
    candidatesFile: context.candidatesFile,
    candidates,
    ...context.ids,
    baseline,
    nodeLogits: Array.from(nodeLogits),
    nodeCalibrated: Array.from(nodeCalibrated),
  };
}

/** Loads the written graph as the page does and compares its outputs with the Node model's. */
async function checkGraphLoads(
  modelDir: string,
  feeds: Record<string, tf.Tensor>,
  logits: Float32Array,
  calibrated: Float32Array,
): Promise<void> {
  let outputs: tf.Tensor[];
  try {
    const graph = await loadGraphModel(modelFilesHandler(modelDir));
    outputs = graph.execute(feeds, ["logits", "calibrated_probabilities"]) as tf.Tensor[];
    graph.dispose();
  } catch (cause) {
    throw new CheckpointError(
      `the browser cannot run this model: tfjs-converter fails on its exported graph (${(cause as Error).message})`,
      { cause },
    );
  }
  const expected = [logits, calibrated];
  const read = await Promise.all(outputs.map((output) => output.data()));
  read.forEach((got, index) => {
    const want = expected[index] as Float32Array;
    for (let i = 0; i < want.length; i++) {
      const difference = Math.abs((got[i] as number) - (want[i] as number));
      if (!(difference <= EXPORT_TOLERANCE)) {
        throw new CheckpointError(
          `the browser cannot run this model faithfully: its exported graph differs from the model by ${difference} (at most ${EXPORT_TOLERANCE} allowed)`,
        );
      }
    }
  });
  tf.dispose(outputs);
}

function columnMeans(values: readonly number[], rows: number, width: number): number[] {
  const means = new Array<number>(width).fill(0);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < width; column++)
      means[column] = (means[column] as number) + (values[row * width + column] as number) / rows;
  }
  return means;
}
