import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  latestCheckpoint,
  pruneCheckpoints,
  removePartialCheckpoints,
  saveCheckpoint,
} from "./checkpoint-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-prune-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const save = (step: number) =>
  saveCheckpoint(dir, {
    modelKind: "toy",
    step,
    walltimeS: step,
    state: {
      arrays: { w: { dtype: "float32", shape: [1], data: Float32Array.of(step) } },
      json: {},
    },
  });

describe("checkpoint pruning after a crash", () => {
  it("pruning leaves only whole checkpoints behind, never a half-deleted step directory", async () => {
    for (const step of [1, 2, 3]) await save(step);
    expect(await pruneCheckpoints(dir, 1)).toEqual([join(dir, "1"), join(dir, "2")]);
    expect(await readdir(dir)).toEqual(["3"]);
  });

  it("the next run removes what a killed prune left, and never takes it as the latest", async () => {
    await save(5);
    // What a kill inside `rm -r` of an older layout left: a step directory without its marker,
    // here even newer than the last complete checkpoint; and a renamed one being deleted.
    await mkdir(join(dir, "9"));
    await writeFile(join(dir, "9", "arrays.bin"), "x");
    await mkdir(join(dir, ".tmp-pruned-abcd"));
    expect((await latestCheckpoint(dir))?.step).toBe(5);
    expect((await removePartialCheckpoints(dir)).sort()).toEqual(
      [join(dir, ".tmp-pruned-abcd"), join(dir, "9")].sort(),
    );
    expect(await readdir(dir)).toEqual(["5"]);
  });
});
