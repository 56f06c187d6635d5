import { describe, expect, it } from "vitest";
import { EdgeBatches } from "../data/edge-batches.js";
import { allocateEdges } from "../data/edge-set.js";
import { TwhinModel } from "../model/twhin-model.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { TwhinTask } from "./twhin-task.js";

describe("TwhinTask.weightStatistics", () => {
  it.each(["fp32", "bf16", "fp16"] as const)(
    "logs the mean and largest row norm of each table in tables_to_log, and no other (%s storage)",
    async (dataType) => {
      const base = tinyConfig({ dim: 2, dataType });
      const config = tinyConfig({
        dim: 2,
        dataType,
        model: { embeddings: { ...base.model.embeddings, tables_to_log: ["tweet"] } },
      });
      const model = new TwhinModel(config.model).initialize(0);
      // tweet rows (3, 4), (0, 1), (0, 0), (6, 8), (0, 0): norms 5, 1, 0, 10, 0.
      const tweet = model.tables.find((table) => table.name === "tweet")!;
      // Every value is exact in 16 bits, so each storage gives the same norms.
      tweet.setFloat32(Float32Array.of(3, 4, 0, 1, 0, 0, 6, 8, 0, 0));
      const task = new TwhinTask({
        model,
        config,
        batches: new EdgeBatches(allocateEdges(1), 1, 0),
      });
      try {
        expect(task.weightStatistics()).toEqual({
          "model/mean_row_norm/tweet": 16 / 5,
          "model/max_row_norm/tweet": 10,
        });
      } finally {
        await task.close();
      }
    },
  );
});
