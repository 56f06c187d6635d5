import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvalContext, TaskState, TrainTask } from "@tml/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveCheckpoint } from "./checkpoint-store.js";
import {
  followCheckpoints,
  isEvaluated,
  markEvaluated,
  waitForEvaluators,
} from "./checkpoint-watch.js";
import { evaluateCheckpoints } from "./evaluate-checkpoints.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-watch-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const state = (value: number): TaskState => ({
  arrays: { w: { dtype: "float32", shape: [1], data: Float32Array.of(value) } },
  json: { value },
});
const save = (step: number) =>
  saveCheckpoint(dir, { modelKind: "toy", step, walltimeS: 0, state: state(step / 10) });

describe("followCheckpoints", () => {
  it("yields each new latest checkpoint, then stops on timeout", async () => {
    await save(1);
    await save(2);
    const seen: number[] = [];
    for await (const ref of followCheckpoints(dir, { pollSeconds: 0.01, timeoutSeconds: 0.3 })) {
      seen.push(ref.step);
      if (ref.step === 2) await save(5);
    }
    expect(seen).toEqual([2, 5]);
  });

  it("stops at the final step and on abort", async () => {
    await save(10);
    const seen: number[] = [];
    for await (const ref of followCheckpoints(dir, { stopAtStep: 10, timeoutSeconds: 60 })) {
      seen.push(ref.step);
    }
    expect(seen).toEqual([10]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    for await (const _ of followCheckpoints(join(dir, "none"), {
      signal: controller.signal,
      timeoutSeconds: 60,
    })) {
      throw new Error("nothing should be yielded");
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("evaluateCheckpoints", () => {
  it("restores, evaluates and marks each checkpoint once per partition", async () => {
    await save(5);
    await save(10);
    let restored = 0;
    const task: TrainTask<never> = {
      kind: "toy",
      trainStep: () => ({ loss: 0, examples: 0 }),
      getState: () => state(0),
      setState: (s) => {
        restored = (s.arrays["w"]!.data as Float32Array)[0]!;
      },
      evaluate: (context: EvalContext) => ({ w: restored, limit: context.maxSteps ?? -1 }),
    };
    const config = {
      save_dir: dir,
      num_train_steps: 10,
      num_eval_steps: 3,
      eval_timeout_in_s: 60,
      eval_log_every_n: 100,
    };
    const events: string[] = [];
    const results = await evaluateCheckpoints({
      task,
      config,
      partitions: ["validation"],
      pollSeconds: 0.01,
      timeoutSeconds: 0.2,
      onEval: (event) => void events.push(`${event.partition}@${event.step}`),
    });
    expect([...results]).toEqual([[10, { validation: { w: 1, limit: 3 } }]]);
    expect(events).toEqual(["validation@10"]);
    expect(await isEvaluated(join(dir, "10"), "validation")).toBe(true);
    expect(await isEvaluated(join(dir, "10"), "train")).toBe(false);
    const again = await evaluateCheckpoints({ task, config, partitions: ["validation"] });
    expect(again.size).toBe(0);
    await markEvaluated(join(dir, "5"), "train");
    expect(await isEvaluated(join(dir, "5"), "train")).toBe(true);
  });

  it("restores each checkpoint once and evaluates every partition not yet done", async () => {
    await save(10);
    await markEvaluated(join(dir, "10"), "train");
    let restores = 0;
    const task: TrainTask<never> = {
      kind: "toy",
      trainStep: () => ({ loss: 0, examples: 0 }),
      getState: () => state(0),
      setState: () => void (restores += 1),
    };
    const config = {
      save_dir: dir,
      num_train_steps: 10,
      num_eval_steps: -1,
      eval_timeout_in_s: 60,
      eval_log_every_n: 100,
    };
    const results = await evaluateCheckpoints({
      task,
      config,
      partitions: ["validation", "train", "is_favorited"],
      evaluatePartition: (partition, context) => ({ [partition]: context.step }),
    });
    expect(restores).toBe(1);
    expect(results.get(10)).toEqual({
      validation: { validation: 10 },
      is_favorited: { is_favorited: 10 },
    });
    expect(await isEvaluated(join(dir, "10"), "is_favorited")).toBe(true);
  });
});

describe("waitForEvaluators", () => {
  it("resolves when every partition's marker appears, false on timeout", async () => {
    const { path } = await save(4);
    const options = { pollSeconds: 0.01, timeoutSeconds: 0.5 };
    const waiting = waitForEvaluators(path, ["validation", "train"], options);
    await markEvaluated(path, "validation");
    setTimeout(() => void markEvaluated(path, "train"), 30);
    expect(await waiting).toBe(true);
    expect(
      await waitForEvaluators(path, ["other"], { pollSeconds: 0.01, timeoutSeconds: 0.05 }),
    ).toBe(false);
  });
});
