import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type TaskState, type TrainTask, trainingConfigSchema } from "@tml/core";
import { describe, expect, it } from "vitest";
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
});
