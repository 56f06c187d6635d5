import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskState } from "@tml/core";
import { CheckpointError, NotFoundError, TmlError } from "@tml/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHECKPOINT_FILES } from "./checkpoint-format.js";
import {
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  loadCheckpointArray,
  pruneCheckpoints,
  resolveCheckpoint,
  saveCheckpoint,
} from "./checkpoint-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-ckpt-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function state(seed: number): TaskState {
  return {
    arrays: {
      "dense/kernel": {
        dtype: "float32",
        shape: [2, 3],
        data: Float32Array.from([1, 2, 3, 4, 5, seed]),
      },
      counts: { dtype: "int32", shape: [3], data: Int32Array.from([7, -8, seed]) },
      table: { dtype: "float64", shape: [1], data: Float64Array.from([Math.PI]) },
      flags: { dtype: "uint8", shape: [3], data: Uint8Array.from([1, 0, 1]) },
    },
    json: { rng: { seed }, note: "ok" },
  };
}

const save = (step: number, kind = "toy") =>
  saveCheckpoint(dir, { modelKind: kind, step, walltimeS: step * 1.5, state: state(step) });

describe("checkpoint store", () => {
  it("round-trips every dtype, step, walltime and JSON state", async () => {
    const { path, bytes } = await save(5);
    expect(path).toBe(join(dir, "5"));
    expect(bytes).toBeGreaterThanOrEqual(24 + 12 + 8 + 3);
    const loaded = await loadCheckpoint(path, { modelKind: "toy" });
    expect(loaded.step).toBe(5);
    expect(loaded.walltimeS).toBe(7.5);
    expect(loaded.state.json).toEqual({ rng: { seed: 5 }, note: "ok" });
    expect(loaded.state.arrays).toEqual(state(5).arrays);
    expect(loaded.state.arrays["table"]!.data).toBeInstanceOf(Float64Array);
    const table = await loadCheckpointArray(path, "counts");
    expect([...table.data]).toEqual([7, -8, 5]);
    await expect(loadCheckpointArray(path, "nope")).rejects.toThrow(NotFoundError);
  });

  it("lists only complete checkpoints by numeric step and finds the latest", async () => {
    for (const step of [10, 2, 100]) await save(step);
    await rm(join(dir, "100", CHECKPOINT_FILES.complete));
    await writeFile(join(dir, "notes.txt"), "x");
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([2, 10]);
    expect((await latestCheckpoint(dir))?.step).toBe(10);
    expect(await listCheckpoints(join(dir, "missing"))).toEqual([]);
    expect(await resolveCheckpoint(dir)).toBe(join(dir, "10"));
    expect(await resolveCheckpoint(join(dir, "2"))).toBe(join(dir, "2"));
    await expect(resolveCheckpoint(join(dir, "missing"))).rejects.toThrow(NotFoundError);
    await expect(loadCheckpoint(join(dir, "100"))).rejects.toThrow(/incomplete/);
  });

  it("keeps the newest N", async () => {
    for (const step of [1, 2, 3, 4]) await save(step);
    const removed = await pruneCheckpoints(dir, 2);
    expect(removed).toEqual([join(dir, "1"), join(dir, "2")]);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([3, 4]);
  });

  it("overwrites a checkpoint of the same step atomically", async () => {
    await save(3);
    await saveCheckpoint(dir, { modelKind: "toy", step: 3, walltimeS: 99, state: state(42) });
    const loaded = await loadCheckpoint(join(dir, "3"));
    expect(loaded.walltimeS).toBe(99);
    expect((await listCheckpoints(dir)).length).toBe(1);
  });

  it("throws CheckpointError on flipped bytes, truncation, edited manifest and wrong model", async () => {
    const { path } = await save(1);
    const arraysFile = join(path, CHECKPOINT_FILES.arrays);
    const original = await readFile(arraysFile);
    const flipped = Buffer.from(original);
    flipped[2] = flipped[2]! ^ 0xff;
    await writeFile(arraysFile, flipped);
    const error = await loadCheckpoint(path).catch((e: unknown) => e);
    expect(TmlError.isInstance(error, "CHECKPOINT")).toBe(true);
    expect((error as CheckpointError).message).toMatch(/array "dense\/kernel" fails its checksum/);
    await writeFile(arraysFile, original.subarray(0, 10));
    await expect(loadCheckpoint(path)).rejects.toThrow(/has 10 bytes/);
    await writeFile(arraysFile, original);
    await expect(loadCheckpoint(path, { modelKind: "twhin" })).rejects.toThrow(
      /written by a toy model, not twhin/,
    );
    const manifest = join(path, CHECKPOINT_FILES.manifest);
    const text = await readFile(manifest, "utf8");
    await writeFile(manifest, text.replace('"step": 1', '"step": 2'));
    await expect(loadCheckpoint(path)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(join(dir, "7"))).rejects.toThrow(NotFoundError);
  });

  it("refuses arrays whose data does not match dtype and shape", async () => {
    const bad: TaskState = {
      arrays: { x: { dtype: "float32", shape: [4], data: Float32Array.from([1, 2]) } },
      json: null,
    };
    await expect(
      saveCheckpoint(dir, { modelKind: "toy", step: 1, walltimeS: 0, state: bad }),
    ).rejects.toThrow(CheckpointError);
    expect(await listCheckpoints(dir)).toEqual([]);
  });
});
