import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng, roundToHalfPrecision } from "@tml/core";
import { SharedFloat32Arrays } from "@tml/training/parallel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeBatches } from "../data/edge-batches.js";
import { type EdgeSet, readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { evaluateLinkPrediction } from "../eval/link-prediction.js";
import { TwhinTask } from "../task/twhin-task.js";
import { writeEngagementGraph } from "../testing/generated-graph.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { TwhinModel } from "./twhin-model.js";

type Storage = "fp32" | "fp16" | "bf16";

const config = (dataType: Storage, optimizer: Record<string, unknown> = { adagrad: { lr: 0.1 } }) =>
  tinyConfig({
    dim: 16,
    tables: [
      { name: "user", rows: 400 },
      { name: "tweet", rows: 200 },
    ],
    relations: ["fav", "reply", "retweet", "magic_recs"].map((name) => ({
      name,
      lhs: "user",
      rhs: "tweet",
    })),
    optimizer,
    batchSize: 200,
    inBatch: 10,
    global: 32,
    model: { loss: { type: "softmax", margin: 1 } },
    dataType,
  });

describe("16-bit table storage", () => {
  it("halves the table bytes, on the heap and in Hogwild's shared memory", () => {
    const full = new TwhinModel(config("fp32").model);
    for (const storage of ["fp16", "bf16"] as const) {
      const half = new TwhinModel(config(storage).model);
      half.tables.forEach((table, t) => {
        expect(table.storage).toBe(storage);
        expect(table.stored).toBeInstanceOf(Uint16Array);
        expect(table.stored.byteLength).toBe(full.tables[t]!.stored.byteLength / 2);
      });
      const arrays = SharedFloat32Arrays.create();
      const shared = new TwhinModel(config(storage).model, undefined, arrays.allocate);
      // The model allocates its tables first: the shared buffers are half the fp32 bytes.
      expect(arrays.buffers[0]!.byteLength).toBe(400 * 16 * 2);
      expect(arrays.buffers[1]!.byteLength).toBe(200 * 16 * 2);
      expect(shared.tables[0]!.stored.buffer).toBe(arrays.buffers[0]);
      // A worker attaching to the buffers sees the same table.
      const attached = new TwhinModel(
        config(storage).model,
        undefined,
        SharedFloat32Arrays.attach(arrays.buffers).allocate,
      );
      shared.initialize(3);
      expect(attached.tables[1]!.toFloat32()).toEqual(shared.tables[1]!.toFloat32());
    }
  });

  it("initialises to the fp32 draws rounded, and reads and writes rows through the codec", () => {
    const full = new TwhinModel(config("fp32").model).initialize(5);
    for (const storage of ["fp16", "bf16"] as const) {
      const half = new TwhinModel(config(storage).model).initialize(5);
      const expected = full.tables[0]!.toFloat32().map((v) => roundToHalfPrecision(v, storage));
      expect(half.tables[0]!.toFloat32()).toEqual(expected);
      expect(half.tables[0]!.toFloat32()).not.toEqual(full.tables[0]!.toFloat32());
      const table = half.tables[1]!;
      const rows = new Float32Array(2 * 16);
      table.readRows(Int32Array.from([7, 3]), 2, rows);
      expect(rows.subarray(16)).toEqual(table.toFloat32(3, 4));
      rows.fill(1 / 3);
      table.writeRows([rows.subarray(0, 16), rows.subarray(16)], Int32Array.from([7, 3]), 2);
      expect(table.toFloat32(3, 4)[0]).toBe(roundToHalfPrecision(1 / 3, storage));
      expect(table.toFloat32(3, 4)[0]).not.toBe(Math.fround(1 / 3));
    }
  });
});

describe("training with 16-bit tables", () => {
  let dir: string;
  let train: EdgeSet;
  let test: EdgeSet;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "twhin-half-"));
    await writeEngagementGraph(join(dir, "g"), {
      users: 400,
      tweets: 200,
      edges: 12000,
      communities: 4,
      seed: 7,
    });
    train = await readEdges(join(dir, "g/edges/train/*.parquet"));
    test = await readEdges(join(dir, "g/edges/test/*.parquet"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function trainAndScore(storage: Storage, optimizer?: Record<string, unknown>) {
    const twhin = config(storage, optimizer);
    const model = new TwhinModel(twhin.model).initialize(1);
    const batches = new EdgeBatches(train, 200, 1);
    const task = new TwhinTask({ model, config: twhin, batches });
    const rng = new Rng(2);
    for (let step = 0; step < 200; step++) await task.trainBatch(batches.next(), rng);
    const filter = new FilterIndex(4, [train, test]);
    return { model, metrics: (await evaluateLinkPrediction(model, test, { filter })).both };
  }

  it("reaches nearly the fp32 link-prediction quality (Adagrad, and Adam's by-slot update)", async () => {
    for (const optimizer of [undefined, { adam: { lr: 0.01 } }]) {
      const full = await trainAndScore("fp32", optimizer);
      for (const storage of ["bf16", "fp16"] as const) {
        const half = await trainAndScore(storage, optimizer);
        console.info("16-bit quality", storage, optimizer ?? "adagrad", {
          fp32: full.metrics,
          half: half.metrics,
        });
        expect(half.metrics.mrr).toBeGreaterThan(full.metrics.mrr - 0.02);
        expect(half.metrics.auc).toBeGreaterThan(full.metrics.auc - 0.01);
        // It trained: far above the untrained model.
        expect(half.metrics.auc).toBeGreaterThan(0.7);
        expect(half.model.tables[0]!.stored).toBeInstanceOf(Uint16Array);
      }
    }
  });
});
