import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type TaskState, type TrainTask, trainingConfigSchema } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { listCheckpoints } from "./checkpoint-store.js";
import { runTraining } from "./run-training.js";

/** A task whose steps are synchronous and busy for `stepMs` (a CPU-bound model). */
class BusyTask implements TrainTask<number> {
  readonly kind = "busy";
  readonly counter = new Float64Array(1);
  constructor(private readonly stepMs: number) {}
  trainStep(batch: number) {
    const until = performance.now() + this.stepMs;
    while (performance.now() < until) {}
    this.counter[0]! += batch;
    return { loss: 1, examples: 1 };
  }
  getState(): TaskState {
    return { arrays: { counter: { dtype: "float64", shape: [1], data: this.counter } }, json: {} };
  }
  setState(state: TaskState) {
    this.counter.set(state.arrays.counter!.data);
  }
}

/** BusyTask with an evaluation that records where it ran. */
class EvaluatedBusyTask extends BusyTask {
  readonly evaluatedAt: number[] = [];
  async evaluate({ step }: { step: number }) {
    this.evaluatedAt.push(step);
    return { score: step };
  }
}

beforeAll(async () => {
  await setupTestBackend();
});

describe("runTraining and signals", () => {
  it("sees an abort from a timer while steps and data are synchronous, and checkpoints", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tml-signal-"));
    const config = parseConfig(trainingConfigSchema, {
      save_dir: dir,
      num_train_steps: 20_000,
      checkpoint_every_n: 1_000_000,
      train_log_every_n: 1_000_000,
    });
    const controller = new AbortController();
    // A timer is a macrotask, as a signal handler is: it runs only when the loop yields.
    const abortedAt = new Promise<number>((resolve) =>
      setTimeout(() => {
        controller.abort();
        resolve(performance.now());
      }, 100),
    );
    const result = await runTraining({
      task: new BusyTask(0.2),
      data: function* () {
        while (true) yield 1;
      },
      config,
      signal: controller.signal,
    });
    const stopped = performance.now();
    expect(result.status).toBe("aborted");
    expect(result.step).toBeLessThan(20_000);
    // Within the loop's event-loop turn (50 ms) and a step, with room for a slow machine.
    expect(stopped - (await abortedAt)).toBeLessThan(1000);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([result.step]);
  });

  it("max_train_seconds ends the run as time_limit, evaluated and checkpointed; resumes honour it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tml-time-limit-"));
    const config = (maxTrainSeconds: number) =>
      parseConfig(trainingConfigSchema, {
        save_dir: dir,
        num_train_steps: 50,
        checkpoint_every_n: 1_000,
        train_log_every_n: 1_000,
        eval_every_n: 1_000,
        max_train_seconds: maxTrainSeconds,
      });
    const ones = function* () {
      while (true) yield 1;
    };
    // 20 ms steps against 0.1 s: it stops after some steps, long before 50 (1 s).
    const task = new EvaluatedBusyTask(20);
    const cut = await runTraining({ task, data: ones, config: config(0.1) });
    expect(cut.status).toBe("time_limit");
    expect(cut.step).toBeGreaterThan(0);
    expect(cut.step).toBeLessThan(50);
    expect(cut.walltimeS).toBeGreaterThanOrEqual(0.1);
    expect(task.counter[0]).toBe(cut.step);
    expect(task.evaluatedAt).toEqual([cut.step]);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([cut.step]);
    // Resumed under the same limit: past it already, no step, no evaluation.
    const again = new EvaluatedBusyTask(20);
    const resumed = await runTraining({ task: again, data: ones, config: config(0.1) });
    expect(resumed).toMatchObject({ status: "time_limit", step: cut.step });
    expect(again.evaluatedAt).toEqual([]);
    // A larger limit continues it to the end.
    const more = new EvaluatedBusyTask(1);
    const done = await runTraining({ task: more, data: ones, config: config(1_000) });
    expect(done).toMatchObject({ status: "completed", step: 50 });
    expect(more.counter[0]).toBe(50);
  });
});
