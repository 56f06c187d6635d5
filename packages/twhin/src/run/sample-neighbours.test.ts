import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { sampleNeighbours } from "./sample-neighbours.js";
import { trainTwhin } from "./train-twhin.js";

const dir = mkdtempSync(join(tmpdir(), "twhin-neighbours-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sampleNeighbours", () => {
  it("lists each table's first entities with their nearest neighbours, closest first", async () => {
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
    const config = {
      ...base,
      training: { ...base.training, save_dir: join(dir, "ckpt"), num_train_steps: 4 },
      train_data: { ...base.train_data, data_root: join(dir, "g/edges/train/*.parquet") },
    };
    await trainTwhin({ config, device: "cpu" });
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
});
