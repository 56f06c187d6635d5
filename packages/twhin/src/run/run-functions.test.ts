import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TmlError } from "@tml/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEmbeddings } from "../export/embedding-files.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { evaluateTwhin } from "./evaluate-twhin.js";
import { exportEmbeddings } from "./export-embeddings.js";
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
    expect(back.get("user")!.vectors).toEqual(trained.model.tables[0]!.data);
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
    const lists = await sampleNeighbours({
      config,
      checkpoint: join(dir, "ckpt"),
      samples: 2,
      device: "cpu",
    });
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
});
