import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type LogEvent,
  parseConfig,
  type TaskState,
  type TrainTask,
  trainingConfigSchema,
} from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runTraining } from "./run-training.js";

/** A one-weight task whose weight grows by the batch value; it reports the weight's norm. */
class GrowingTask implements TrainTask<number> {
  readonly kind = "growing";
  readonly weight = new Float64Array(1);
  trainStep(batch: number) {
    this.weight[0]! += batch;
    return { loss: 1, examples: 1 };
  }
  weightStatistics() {
    return { "model/norm/w": Math.abs(this.weight[0]!) };
  }
  getState(): TaskState {
    return { arrays: { w: { dtype: "float64", shape: [1], data: this.weight } }, json: {} };
  }
  setState(state: TaskState) {
    this.weight.set(state.arrays.w!.data);
  }
}

beforeAll(setupTestBackend);

describe("runTraining and weight statistics", () => {
  it("hands the task's weight statistics at each log line to the callbacks", async () => {
    const config = parseConfig(trainingConfigSchema, {
      save_dir: await mkdtemp(join(tmpdir(), "tml-weights-")),
      num_train_steps: 6,
      train_log_every_n: 2,
    });
    const logged: LogEvent[] = [];
    await runTraining({
      task: new GrowingTask(),
      data: function* () {
        while (true) yield 0.5;
      },
      config,
      callbacks: { onLog: (event) => void logged.push(event) },
    });
    expect(logged.map((event) => [event.step, event.weights])).toEqual([
      [2, { "model/norm/w": 1 }],
      [4, { "model/norm/w": 2 }],
      [6, { "model/norm/w": 3 }],
    ]);
  });

  it("logs no weights for a task without weightStatistics", async () => {
    const growing = new GrowingTask();
    const task: TrainTask<number> = {
      kind: growing.kind,
      trainStep: (batch) => growing.trainStep(batch),
      getState: () => growing.getState(),
      setState: (state) => growing.setState(state),
    };
    const logged: LogEvent[] = [];
    await runTraining({
      task,
      data: function* () {
        while (true) yield 1;
      },
      config: parseConfig(trainingConfigSchema, {
        save_dir: await mkdtemp(join(tmpdir(), "tml-weights-")),
        num_train_steps: 2,
        train_log_every_n: 1,
      }),
      callbacks: { onLog: (event) => void logged.push(event) },
    });
    expect(logged.map((event) => "weights" in event)).toEqual([false, false]);
  });
});
