import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvalContext, RestoreContext, TaskState, TrainTask } from "@tml/core";
import { parseConfig, type TrainingConfig, trainingConfigSchema } from "@tml/core";
import { setupTestBackend } from "@tml/engine/testing";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bestCheckpoint } from "./best-checkpoint.js";
import { listCheckpoints, loadCheckpoint } from "./checkpoint-store.js";
import { runTraining } from "./run-training.js";

/**
 * A task whose whole state is one number that each step adds the learning rate to, and whose
 * evaluation reads a scripted AUC by step: the loop's monitors are checked against hand-worked
 * schedules without any model.
 */
class ScriptedTask implements TrainTask<number> {
  readonly kind = "scripted";
  position = 0;
  scale = 1;
  floor = 0;
  scales: Array<[number, number]> = [];
  restored: RestoreContext[] = [];

  constructor(private readonly aucByStep: Readonly<Record<number, number>>) {}

  trainStep() {
    const rate = Math.min(1, Math.max(this.scale, this.floor));
    this.position += rate;
    return { loss: 0.5, examples: 1, metrics: { lr: rate } };
  }

  evaluate(context: EvalContext) {
    const auc = this.aucByStep[context.step];
    if (auc === undefined) throw new Error(`no scripted AUC for step ${context.step}`);
    return { auc, position: this.position };
  }

  setLearningRateScale(scale: number, floor: number) {
    this.scale = scale;
    this.floor = floor;
    this.scales.push([scale, floor]);
  }

  getState(): TaskState {
    return {
      arrays: { w: { dtype: "float64", shape: [1], data: Float64Array.of(this.position) } },
      json: {},
    };
  }

  setState(state: TaskState, context: RestoreContext) {
    this.restored.push(context);
    this.position = (state.arrays.w!.data as Float64Array)[0]!;
  }
}

function* steps(start: number): Generator<number> {
  for (let step = start; ; step++) yield step;
}

let dir: string;
beforeAll(async () => {
  await setupTestBackend(); // the loop logs tf.memory()
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-monitors-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (overrides: Record<string, unknown>): TrainingConfig =>
  parseConfig(trainingConfigSchema, {
    save_dir: dir,
    num_train_steps: 100,
    checkpoint_every_n: 1000,
    train_log_every_n: 1000,
    eval_every_n: 2,
    ...overrides,
  });

// Evaluations every 2 steps: best at 4 (0.8), a dip, a new best at 8 (0.85), then two dips.
const AUC = { 2: 0.7, 4: 0.8, 6: 0.79, 8: 0.85, 10: 0.84, 12: 0.83, 14: 0.9 };

describe("runTraining's validation monitors", () => {
  it("reduce_lr_on_plateau scales the rates ×0.1 after each flat evaluation, floored", async () => {
    const task = new ScriptedTask(AUC);
    await runTraining({
      task,
      data: steps,
      config: config({
        num_train_steps: 12,
        reduce_lr_on_plateau: {
          monitor: "auc",
          factor: 0.1,
          patience: 1,
          min_learning_rate: 0.005,
        },
      }),
    });
    // Dips at steps 6, 10, 12 → scales 0.1, 0.01, 0.001 (floored at 0.005 by the task's rule).
    expect(task.scales.map(([scale]) => scale)).toEqual([
      0.1,
      expect.closeTo(0.01, 12),
      expect.closeTo(0.001, 12),
    ]);
    expect(task.scales.every(([, floor]) => floor === 0.005)).toBe(true);
    // Rates per step: 1 ×6, 0.1 ×4 (steps 7–10), 0.01 ×2 (11–12).
    expect(task.position).toBeCloseTo(6 + 0.4 + 0.02, 10);
  });

  it("early_stopping stops after patience flat evaluations and ends on the best checkpoint", async () => {
    const task = new ScriptedTask(AUC);
    const result = await runTraining({
      task,
      data: steps,
      config: config({
        early_stopping: { monitor: "auc", patience: 2 },
        checkpoint_max_to_keep: 1,
      }),
    });
    expect(result.status).toBe("early_stopped");
    expect(result.step).toBe(12);
    expect(result.best).toEqual({
      step: 8,
      value: 0.85,
      metrics: { auc: 0.85, position: 8 },
      checkpoint: join(dir, "8"),
    });
    // The task holds the best weights; the best checkpoint survived pruning beside the last one.
    expect(task.position).toBe(8);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([8, 12]);
    const last = await loadCheckpoint(join(dir, "12"));
    expect(last.validation).toMatchObject({ earlyStopping: { stopped: true, waiting: 2 } });
  });

  it("early_stopping without patience trains every step and ends on the best checkpoint", async () => {
    const task = new ScriptedTask(AUC);
    const result = await runTraining({
      task,
      data: steps,
      config: config({ num_train_steps: 12, early_stopping: { monitor: "auc" } }),
    });
    expect(result).toMatchObject({ status: "completed", step: 12, best: { step: 8, value: 0.85 } });
    expect(task.position).toBe(8);
    expect(await bestCheckpoint(dir)).toEqual({ ...result.best, checkpoint: join(dir, "8") });
  });

  it("bestCheckpoint finds the best of a resumed run in the save dir, wherever it moved", async () => {
    expect(await bestCheckpoint(dir)).toBeUndefined();
    const stopping = config({ early_stopping: { monitor: "auc", patience: 2 } });
    // A run cut short at step 6 (best 4, one flat evaluation), then resumed: best 8, stop at 12.
    await runTraining({
      task: new ScriptedTask(AUC),
      data: steps,
      config: { ...stopping, num_train_steps: 6 },
    });
    expect(await bestCheckpoint(dir)).toMatchObject({ step: 4, checkpoint: join(dir, "4") });
    const resumed = await runTraining({
      task: new ScriptedTask(AUC),
      data: steps,
      config: stopping,
    });
    expect(resumed).toMatchObject({ status: "early_stopped", step: 12 });
    const moved = `${dir}-moved`;
    await rename(dir, moved);
    try {
      expect(await bestCheckpoint(moved)).toMatchObject({ step: 8, checkpoint: join(moved, "8") });
      await rm(join(moved, "8"), { recursive: true });
      await expect(bestCheckpoint(moved)).rejects.toThrow(/names step 8 as the best evaluation/);
    } finally {
      await rm(moved, { recursive: true, force: true });
    }
  });

  it("a resumed run keeps the monitors' state; a stopped run resumes as finished on its best", async () => {
    const stoppingAt6 = config({
      num_train_steps: 6,
      early_stopping: { monitor: "auc", patience: 2 },
      reduce_lr_on_plateau: { monitor: "auc" },
    });
    const first = new ScriptedTask(AUC);
    await runTraining({ task: first, data: steps, config: stoppingAt6 });
    expect(first.scales).toEqual([[0.1, 0]]);
    const resumedConfig = { ...stoppingAt6, num_train_steps: 100 };
    const second = new ScriptedTask(AUC);
    const result = await runTraining({ task: second, data: steps, config: resumedConfig });
    // Restored scale 0.1 first, then dips at 10 and 12 (best 8) → 0.01, 0.001; stop at 12.
    expect(second.scales.map(([scale]) => scale)).toEqual([
      0.1,
      expect.closeTo(0.01, 12),
      expect.closeTo(0.001, 12),
    ]);
    expect(result).toMatchObject({ status: "early_stopped", step: 12, best: { step: 8 } });
    const third = new ScriptedTask(AUC);
    const again = await runTraining({ task: third, data: steps, config: resumedConfig });
    expect(again).toMatchObject({ status: "already_finished", best: { step: 8 } });
    expect(third.restored.map((context) => context.step)).toEqual([12, 8]);
  });
});
