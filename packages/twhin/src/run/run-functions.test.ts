import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { edgeTable, writeParquetFile } from "@tml/data-io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { readEmbeddings } from "../export/embedding-files.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { evaluateTwhin } from "./evaluate-twhin.js";
import { exportEmbeddings } from "./export-embeddings.js";
import { loadTwhinModel } from "./load-model.js";
import { nearestNeighbours } from "./nearest-neighbours.js";
import { sampleNeighbours } from "./sample-neighbours.js";
import { trainTwhin } from "./train-twhin.js";

let dir: string;
let config: ReturnType<typeof tinyConfig>;
let trained: Awaited<ReturnType<typeof trainTwhin>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twhin-run-"));
  await writeEngagementGraph(join(dir, "g"));
  const base = tinyConfig({
    dim: 8,
    tables: [
      { name: "user", rows: 300 },
      { name: "tweet", rows: 200 },
    ],
    relations: ["fav", "reply", "retweet", "magic_recs"].map((name) => ({
      name,
      lhs: "user",
      rhs: "tweet",
    })),
    optimizer: { adagrad: { lr: 0.1 } },
    global: 16,
  });
  config = {
    ...base,
    training: {
      ...base.training,
      save_dir: join(dir, "ckpt"),
      num_train_steps: 40,
      checkpoint_every_n: 20,
    },
    train_data: {
      ...base.train_data,
      data_root: join(dir, "g/edges/train/*.parquet"),
      per_replica_batch_size: 100,
    },
    validation_data: { ...base.validation_data!, data_root: join(dir, "g/edges/test/*.parquet") },
  };
  trained = await trainTwhin({ config, device: "cpu" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("run functions", () => {
  it("evaluateTwhin ranks the held-out edges of the newest checkpoint", async () => {
    const result = await evaluateTwhin({ config, device: "cpu" });
    expect(result.checkpoint).toBe(join(dir, "ckpt", "40"));
    expect(result.both.count).toBe(2 * result.edges);
    expect(result.both.mrr).toBeGreaterThan(0.05);
    expect(result.both.mrr).toBeLessThanOrEqual(1);
  });

  it("exportEmbeddings writes the checkpoint's tables; nearestNeighbours searches them", async () => {
    const { files } = await exportEmbeddings({
      config,
      outDir: join(dir, "export"),
      tables: ["user"],
    });
    const back = await readEmbeddings(files);
    expect(back.get("user")!.vectors).toEqual(trained.model.tables[0]!.stored);
    const found = await nearestNeighbours({
      config,
      entityType: "tweet",
      ids: [0, 5],
      k: 3,
      metric: "cos",
      device: "cpu",
    });
    expect(found.entityType).toBe("tweet");
    expect(found.ids.length).toBe(6);
    expect(found.ids[0]).not.toBe(0);
  });

  it("sampleNeighbours lists each table's first entities with their nearest neighbours, closest first", async () => {
    const { model } = await loadTwhinModel(config, join(dir, "ckpt"));
    const lists = await sampleNeighbours({ model, samples: 2, device: "cpu" });
    expect(lists.map((list) => `${list.table} ${list.id}`)).toEqual([
      "user 0",
      "user 1",
      "tweet 0",
      "tweet 1",
    ]);
    for (const list of lists) {
      expect(list.neighbours).toHaveLength(2);
      expect(list.neighbours.some((n) => n.id === list.id)).toBe(false);
      const [first, second] = list.neighbours;
      expect(first?.score).toBeGreaterThanOrEqual(second?.score as number);
      expect(Math.abs(first?.score as number)).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  it("unknown entity types and out-of-range query ids are typed errors", async () => {
    await expect(
      exportEmbeddings({ config, outDir: join(dir, "x"), tables: ["ad"] }),
    ).rejects.toSatisfy((e) => TmlError.isInstance(e, "NOT_FOUND"));
    await expect(
      nearestNeighbours({ config, entityType: "tweet", ids: [200], k: 3, device: "cpu" }),
    ).rejects.toSatisfy((e) => TmlError.isInstance(e, "DATA"));
  });

  it("every evaluation path checks its edges: DataError naming the file and row", async () => {
    const write = async (name: string, lhs: number[], rel: number[], rhs: number[]) => {
      const path = join(dir, `${name}.parquet`);
      await writeParquetFile(path, edgeTable(lhs, rel, rhs));
      return path;
    };
    const fails = async (promise: Promise<unknown>, ...texts: string[]) => {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(TmlError.isInstance(error, "DATA"), String(error)).toBe(true);
      for (const text of texts) expect((error as Error).message).toContain(text);
    };
    // tweet has 200 rows; the config has 4 relations.
    const beyond = await write("beyond", [0, 1, 2], [0, 1, 2], [3, 4, 200]);
    const relation = await write("relation", [0, 1], [0, 9], [3, 4]);
    const negative = await write("negative", [0, -1], [0, 0], [3, 4]);
    await fails(
      evaluateTwhin({ config, device: "cpu", dataRoot: beyond }),
      `${beyond} row 2`,
      'outside table "tweet" (200 rows',
    );
    await fails(
      evaluateTwhin({ config, device: "cpu", dataRoot: relation }),
      `${relation} row 1`,
      "relation 9 is not one of the config's 4 relations",
    );
    await fails(evaluateTwhin({ config, device: "cpu", dataRoot: negative }), `${negative} row 1`);
    await fails(
      evaluateTwhin({ config, device: "cpu", filterRoots: [relation] }),
      `${relation} row 1`,
    );
    const edges = {
      lhs: Int32Array.of(0, 300),
      rel: Int32Array.of(0, 0),
      rhs: Int32Array.of(1, 1),
      size: 2,
    };
    await fails(
      evaluateLinkPrediction(trained.model, edges),
      "evaluation edge 1",
      'lhs id 300 of relation "fav" is outside table "user"',
    );
  });
});
