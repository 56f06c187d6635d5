import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, Rng } from "@tml/core";
import {
  getColumn,
  iterateParquetBatches,
  readParquetFile,
  writeParquetFile,
  writeRankerData,
} from "@tml/data-io";
import { setupTestBackend } from "@tml/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapConfigSchema } from "../config/recap-config.js";
import { toFloat64 } from "../features/feature-batch.js";
import { selectInputFiles } from "../features/input-files.js";
import { disposeRecapBatch } from "../features/recap-batch.js";
import { recapDatasetBatches } from "../features/recap-dataset.js";
import { createRecapFeaturizer } from "../features/recap-featurizer.js";
import { evaluateHeavyRanker } from "./evaluate-heavy-ranker.js";
import { evaluateRankerCheckpoint } from "./evaluate-ranker-checkpoint.js";
import { rankWithCheckpoint } from "./rank-with-checkpoint.js";
import { scoreHeavyRanker } from "./score-heavy-ranker.js";
import { trainHeavyRanker } from "./train-heavy-ranker.js";
import {
  type TwhinEmbeddingRows,
  type TwhinEmbeddings,
  withTwhinEmbeddings,
} from "./twhin-embeddings.js";

// TwHIN embeddings must reach the model: the batches of training, evaluation, the width probe and
// the scoring paths hold the table rows of each row's ids, not the data file's own embedding columns.
const root = mkdtempSync(join(tmpdir(), "hr-twhin-"));
const FAV = "recap.engagement.is_favorited";
const USERS = 30;
const DIM = 8;
const logger = createLogger({ name: "test", level: "error" });

/** The generator's own user table: the files' embedding columns are its rows by user id. */
const fileTable: TwhinEmbeddingRows = (() => {
  const rng = new Rng(7);
  return { values: Float32Array.from({ length: USERS * DIM }, () => rng.normal()), dim: DIM };
})();

/** Distinctive rows: entity i holds [1000·i + 0, 1000·i + 1, …] (so a value names its id). */
const constantTable = (sign: number): TwhinEmbeddingRows => ({
  values: Float32Array.from(
    { length: USERS * DIM },
    (_, k) => sign * (1000 * Math.floor(k / DIM) + (k % DIM)),
  ),
  dim: DIM,
});

/** The files' rows moved by one id: entity i gets the file's row of entity i + 1. */
const shiftedTable: TwhinEmbeddingRows = {
  values: Float32Array.from(
    { length: USERS * DIM },
    (_, k) => fileTable.values[(k + DIM) % (USERS * DIM)] as number,
  ),
  dim: DIM,
};

beforeAll(async () => {
  await setupTestBackend();
  // `written`: the validation rows with the shifted table's rows as their embedding columns.
  for (const [split, seed, table] of [
    ["train", 1, fileTable],
    ["validation", 2, fileTable],
    ["written", 2, shiftedTable],
  ] as const) {
    await writeRankerData(join(root, split), {
      rows: 256,
      seed,
      layout: { continuous: 24, binary: 4, discrete: 2, embedding: DIM },
      shardRows: 100,
      informativeContinuous: 4,
      informativeBinary: 2,
      interactions: 1,
      rates: { [FAV]: 0.3 },
      userEmbeddings: { rows: USERS, dim: DIM, values: table.values },
    });
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

// The ids are not in the config's features: the TwHIN lookup must read them itself.
function config(steps: number, validation = "validation") {
  const data = (split: string) => ({
    global_batch_size: 64,
    inputs: join(root, split, "*.parquet"),
    seg_dense_schema: {
      schema_path: join(root, split, "segdense.json"),
      renamed_features: {
        continuous: "home_recap_2022_cont__segdense_vals",
        binary: "home_recap_2022_binary__segdense_vals",
        discrete: "home_recap_2022_discrete__segdense_vals",
        user_embedding: "user.timelines.twhin_user_follow_embeddings.twhin_user_follow_embeddings",
        author_embedding:
          "original_author.timelines.twhin_author_follow_embeddings.twhin_author_follow_embeddings",
      },
    },
    tasks: { [FAV]: {} },
  });
  return recapConfigSchema.parse({
    training: { num_train_steps: steps, checkpoint_every_n: steps, num_eval_steps: -1 },
    model: {
      tasks: { [FAV]: { mlp_config: { layer_sizes: [4, 1] } } },
      multi_task_type: "share_all",
      backbone: { mlp_config: { layer_sizes: [8] } },
      featurization_config: { log1p_abs_config: {} },
    },
    train_data: data("train"),
    validation_data: { validation: data(validation) },
    optimizer: { adam: {}, single_task_learning_rate: { constant: 0.01 } },
  });
}

async function fileIds(pattern: string): Promise<{ user: number[]; author: number[] }> {
  const files = await selectInputFiles({
    ...config(1).validation_data["validation"]!,
    inputs: pattern,
  });
  const user: number[] = [];
  const author: number[] = [];
  for (const file of files) {
    for await (const batch of iterateParquetBatches(file, {
      columns: ["meta.user_id", "meta.author_id"],
    })) {
      user.push(...toFloat64(getColumn(batch, "meta.user_id", "int64").values));
      author.push(...toFloat64(getColumn(batch, "meta.author_id", "int64").values));
    }
  }
  return { user, author };
}

describe("TwHIN embeddings in the ranker's batches", () => {
  it("recapDatasetBatches' transform puts the table rows of each row's ids in the batch", async () => {
    const data = config(1).validation_data["validation"]!;
    const featurizer = createRecapFeaturizer(data, { modelTasks: [FAV] });
    const ids = await fileIds(data.inputs as string);
    const transform = withTwhinEmbeddings({ user: constantTable(1), author: constantTable(-1) });
    const users: number[] = [];
    const authors: number[] = [];
    for await (const batch of recapDatasetBatches(featurizer, { mode: "eval", transform })) {
      users.push(...(batch.userEmbedding?.dataSync() ?? []));
      authors.push(...(batch.authorEmbedding?.dataSync() ?? []));
      disposeRecapBatch(batch);
    }
    const expected = (id: number, sign: number) =>
      Array.from({ length: DIM }, (_, d) => sign * (1000 * id + d));
    expect(users).toEqual(ids.user.flatMap((id) => expected(id, 1)));
    expect(authors).toEqual(ids.author.flatMap((id) => expected(id, -1)));
  });

  it("reads files without the replaced columns; a table of another dim than the schema's is a DataError", async () => {
    const data = config(1).validation_data["validation"]!;
    const dir = join(root, "without-embeddings");
    mkdirSync(dir);
    copyFileSync(join(root, "validation", "segdense.json"), join(dir, "segdense.json"));
    const [file] = await selectInputFiles(data);
    const table = await readParquetFile(file as string);
    const kept = table.schema.fields
      .map((field) => field.name)
      .filter((name) => !name.includes("follow"));
    await writeParquetFile(join(dir, "part-00000.parquet"), table.select(kept));
    const featurizer = createRecapFeaturizer(
      { ...data, inputs: join(dir, "*.parquet") },
      { modelTasks: [FAV] },
    );
    const read = async (dim: number) => {
      const rows = { values: new Float32Array(USERS * dim).fill(1), dim };
      const transform = withTwhinEmbeddings({ user: rows, author: rows });
      let count = 0;
      for await (const batch of recapDatasetBatches(featurizer, { mode: "eval", transform })) {
        count += batch.size;
        disposeRecapBatch(batch);
      }
      return count;
    };
    expect(await read(DIM)).toBe(table.numRows);
    await expect(read(DIM + 1)).rejects.toThrow(
      /follow_embeddings" has 9 values per row but the segdense schema declares 8/,
    );
  });

  it("trainHeavyRanker and evaluateHeavyRanker use the embeddings they are given", async () => {
    const train = async (name: string, embeddings?: TwhinEmbeddingRows) => {
      const outDir = join(root, name);
      const result = await trainHeavyRanker({
        config: config(3),
        outDir,
        device: "js",
        logger,
        ...(embeddings ? { embeddings: { user: embeddings, author: embeddings } } : {}),
      });
      return { result, weights: readFileSync(join(outDir, "model.safetensors")) };
    };
    const plain = await train("plain");
    // A table equal to the files' own rows changes nothing; other rows change the trained weights.
    const same = await train("same", fileTable);
    expect(same.weights.equals(plain.weights)).toBe(true);
    const shifted = await train("shifted", shiftedTable);
    expect(shifted.weights.equals(plain.weights)).toBe(false);
    expect(shifted.result.partitionMetrics).not.toEqual(plain.result.partitionMetrics);

    const evaluate = async (embeddings?: TwhinEmbeddingRows) =>
      (
        await evaluateHeavyRanker({
          config: config(3),
          checkpoint: join(root, "shifted", "checkpoints"),
          device: "js",
          logger,
          ...(embeddings ? { embeddings: { user: embeddings, author: embeddings } } : {}),
        })
      ).metrics["validation"];
    const withTable = await evaluate(shiftedTable);
    // The evaluator scores what training reported; without the table, other inputs give other scores.
    expect(withTable).toEqual(shifted.result.partitionMetrics["validation"]);
    expect(await evaluate()).not.toEqual(withTable);
  });
});

describe("TwHIN embeddings on the scoring paths", () => {
  const COMMAND = "twhin-embeddings-run.test";
  const shifted: TwhinEmbeddings = { user: shiftedTable, author: shiftedTable };
  const checkpoint = join(root, "scoring", "checkpoints");
  /** The config as a file (JSON is YAML), for the functions that load one. */
  const configFile = join(root, "scoring.yaml");

  beforeAll(async () => {
    writeFileSync(configFile, JSON.stringify(config(3)));
    await trainHeavyRanker({
      config: config(3),
      outDir: join(root, "scoring"),
      device: "js",
      logger,
      embeddings: shifted,
    });
  });

  /**
   * Scoring the files with the table gives the scores of the files holding the table's rows as
   * columns (`written`), and not the scores of the files' own columns.
   */
  async function expectTableScored<T>(
    score: (split: string, embeddings?: TwhinEmbeddings) => Promise<T>,
  ): Promise<T> {
    const withTable = await score("validation", shifted);
    expect(withTable).toEqual(await score("written"));
    expect(await score("validation")).not.toEqual(withTable);
    return withTable;
  }

  it("scoreHeavyRanker", async () => {
    const scored = await expectTableScored(async (split, embeddings) =>
      (
        await scoreHeavyRanker({
          command: COMMAND,
          config: config(3, split),
          checkpoint,
          partition: "validation",
          ...(embeddings ? { embeddings } : {}),
        })
      ).tasks.map((task) => Array.from(task.predictions)),
    );
    expect(scored[0]).toHaveLength(256);
  });

  it("evaluateRankerCheckpoint", async () => {
    const scored = await expectTableScored(async (split, embeddings) =>
      (
        await evaluateRankerCheckpoint({
          command: COMMAND,
          configFile,
          checkpoint,
          data: join(root, split, "*.parquet"),
          device: "js",
          logger,
          ...(embeddings ? { embeddings } : {}),
        })
      ).tasks.map((task) => Array.from(task.predictions)),
    );
    expect(scored[0]).toHaveLength(256);
  });

  it("rankWithCheckpoint; a table of another dim than the schema's is a DataError", async () => {
    const rank = async (split: string, embeddings?: TwhinEmbeddings) => {
      const [file] = readdirSync(join(root, split)).filter((name) => name.endsWith(".parquet"));
      return (
        await rankWithCheckpoint({
          command: COMMAND,
          configFile,
          checkpoint,
          candidates: join(root, split, file as string),
          device: "js",
          logger,
          ...(embeddings ? { embeddings } : {}),
        })
      ).ranked;
    };
    expect(await expectTableScored(rank)).toHaveLength(100);
    const wide = { values: new Float32Array(USERS * (DIM + 1)), dim: DIM + 1 };
    await expect(rank("validation", { user: wide })).rejects.toMatchObject({
      code: "DATA",
      message: expect.stringMatching(/has 9 values per row but the segdense schema declares 8/),
    });
  });
});
