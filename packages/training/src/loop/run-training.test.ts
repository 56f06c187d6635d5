import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { RestoreContext, TrainingCallbacks, TrainTask } from "@tml/core";
import {
  checkStateArray,
  NumericError,
  parseConfig,
  Rng,
  type TaskState,
  TmlError,
  type TrainingConfig,
  trainingConfigSchema,
} from "@tml/core";
import { registerGradients } from "@tml/engine";
import { setupTestBackend } from "@tml/engine/testing";
import { tensorToStateArray } from "@tml/training";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DenseOptimizer, type GradientAccumulationOptions } from "../optim/index.js";
import { listCheckpoints, loadCheckpoint } from "./checkpoint-store.js";
import { runTraining } from "./run-training.js";

interface Batch {
  x: Float32Array; // 8 × 3
  y: Float32Array; // 8
}

/** Batch `step` of a noisy linear regression, the same whenever it is asked for. */
function makeBatch(step: number): Batch {
  const rng = new Rng(1000 + step);
  const x = Float32Array.from({ length: 24 }, () => rng.normal());
  const y = Float32Array.from({ length: 8 }, (_, i) => {
    return 2 * x[i * 3]! - x[i * 3 + 1]! + 0.5 * x[i * 3 + 2]! + 0.1 * rng.normal();
  });
  return { x, y };
}

function* batches(startStep: number): Generator<Batch> {
  for (let step = startStep; ; step++) yield makeBatch(step);
}

/** Linear regression with Adam on a linear-ramp schedule: small, deterministic, stateful. */
class ToyTask implements TrainTask<Batch> {
  readonly kind = "toy";
  readonly weights: tf.Variable;
  readonly optimizer: DenseOptimizer;
  steps: number[] = [];
  restored: RestoreContext[] = [];
  nanAt = -1;

  constructor(accumulation?: GradientAccumulationOptions) {
    const name = `toy_w_${Math.random().toString(36).slice(2)}`;
    this.weights = tf.tidy(() => tf.variable(tf.zeros([3, 1]), true, name));
    this.optimizer = new DenseOptimizer({
      algorithm: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      groups: [
        {
          name: "all",
          variables: [this.weights],
          learningRate: { linear_ramp_to_constant: { learning_rate: 0.05, num_ramp_steps: 5 } },
        },
      ],
      ...(accumulation ? { gradientAccumulation: accumulation } : {}),
      stateKeyOf: () => "w",
    });
  }

  trainStep(batch: Batch, step: number) {
    this.steps.push(step);
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [8, 3]);
      const y = tf.tensor2d(batch.y, [8, 1]);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(tf.matMul(x, this.weights), y))) as tf.Scalar,
        [this.weights],
      );
      this.optimizer.step(grads);
      return value;
    });
    const value = step === this.nanAt ? Number.NaN : loss.dataSync()[0]!;
    loss.dispose();
    return {
      loss: value,
      examples: 8,
      metrics: { lr: this.optimizer.learningRates(step)["all"]! },
    };
  }

  async getState(): Promise<TaskState> {
    const optimizer = await this.optimizer.getState();
    return {
      arrays: { "model/w": await tensorToStateArray(this.weights), ...optimizer.arrays },
      json: { optimizer: optimizer.json },
    };
  }

  setState(state: TaskState, context: RestoreContext): void {
    this.restored.push(context);
    // tfjs names differ between task instances: state uses the stable key "w" throughout.
    const weights = state.arrays["model/w"]!;
    checkStateArray("model/w", weights, this.weights.shape, "float32");
    tf.tidy(() => this.weights.assign(tf.tensor(weights.data, this.weights.shape)));
    const json = (state.json as { optimizer: unknown }).optimizer;
    this.optimizer.setState({ arrays: state.arrays, json });
  }

  values(): number[] {
    return [...this.weights.dataSync()];
  }

  dispose(): void {
    this.optimizer.dispose();
    this.weights.dispose();
  }
}

let dir: string;
let tasks: ToyTask[] = [];
const newTask = (accumulation?: GradientAccumulationOptions) => {
  const task = new ToyTask(accumulation);
  tasks.push(task);
  return task;
};
const config = (overrides: Record<string, unknown> = {}): TrainingConfig =>
  parseConfig(trainingConfigSchema, {
    save_dir: dir,
    num_train_steps: 20,
    checkpoint_every_n: 5,
    train_log_every_n: 3,
    ...overrides,
  });

beforeAll(async () => {
  await setupTestBackend();
  await registerGradients();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tml-train-"));
});
afterEach(async () => {
  for (const task of tasks) task.dispose();
  tasks = [];
  await rm(dir, { recursive: true, force: true });
});

describe("runTraining", () => {
  it("20 steps straight = 7 steps, abort (checkpoint), resume 13: bitwise identical state", async () => {
    const straight = newTask();
    const straightDir = join(dir, "straight");
    await runTraining({ task: straight, data: batches, config: config({ save_dir: straightDir }) });

    const controller = new AbortController();
    const first = newTask();
    const stopAtSeven: TrainingCallbacks = {
      onStep: ({ step }) => {
        if (step === 7) controller.abort();
      },
    };
    const aborted = await runTraining({
      task: first,
      data: batches,
      config: config(),
      callbacks: stopAtSeven,
      signal: controller.signal,
    });
    expect(aborted).toMatchObject({ status: "aborted", step: 7, lastCheckpoint: join(dir, "7") });

    const second = newTask();
    const starts: number[] = [];
    const resumed = await runTraining({
      task: second,
      data: (start) => {
        starts.push(start);
        return batches(start);
      },
      config: config(),
    });
    expect(starts).toEqual([7]);
    expect(second.restored).toEqual([{ reason: "resume", step: 7 }]);
    expect(second.steps).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(resumed).toMatchObject({ status: "completed", step: 20 });
    expect(second.values()).toEqual(straight.values());
    expect(Object.values((await second.optimizer.getState()).arrays)).toEqual(
      Object.values((await straight.optimizer.getState()).arrays),
    );
    expect(second.optimizer.scheduleStep).toBe(20);
    // The model learned the regression: w ≈ [2, −1, 0.5].
    expect(straight.values()[0]).toBeGreaterThan(0.5);
    const final = await loadCheckpoint(join(dir, "20"));
    expect(final.walltimeS).toBeGreaterThan(0);
  });

  it("resumes mid accumulation window (pending gradients are saved) for both parities", async () => {
    for (const parity of ["intended", "original"] as const) {
      const accumulation = { steps: 3, parity };
      const straight = newTask(accumulation);
      const saveDir = join(dir, parity);
      await runTraining({
        task: straight,
        data: batches,
        config: config({ save_dir: join(saveDir, "s") }),
      });
      const controller = new AbortController();
      await runTraining({
        task: newTask(accumulation),
        data: batches,
        config: config({ save_dir: saveDir }),
        callbacks: { onStep: ({ step }) => void (step === 7 && controller.abort()) },
        signal: controller.signal,
      });
      const resumed = newTask(accumulation);
      await runTraining({ task: resumed, data: batches, config: config({ save_dir: saveDir }) });
      expect(resumed.steps[0]).toBe(7);
      expect(resumed.values()).toEqual(straight.values());
    }
  });

  it("resumes after a crash from the latest complete checkpoint", async () => {
    const straight = newTask();
    await runTraining({
      task: straight,
      data: batches,
      config: config({ save_dir: join(dir, "s") }),
    });
    const crashing = newTask();
    const crash = function* (start: number) {
      for (let step = start; step < 13; step++) yield makeBatch(step);
      throw new Error("killed");
    };
    await expect(runTraining({ task: crashing, data: crash, config: config() })).rejects.toThrow(
      "killed",
    );
    // A crash during a checkpoint write leaves a temp directory; the next run removes it.
    await mkdir(join(dir, ".tmp-15-999-abcd"));
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([5, 10]);
    const resumed = newTask();
    await runTraining({ task: resumed, data: batches, config: config() });
    expect(resumed.steps[0]).toBe(10);
    expect(resumed.values()).toEqual(straight.values());
    expect((await readdir(dir)).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("reports the share of time spent waiting for batches", async () => {
    const fractions = async (delayMs: number) => {
      const seen: number[] = [];
      async function* slow(startStep: number) {
        for (let step = startStep; ; step++) {
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          yield makeBatch(step);
        }
      }
      await runTraining({
        task: newTask(),
        data: slow,
        config: config({ num_train_steps: 6, train_log_every_n: 3, checkpoint_every_n: 100 }),
        callbacks: { onLog: (event) => void seen.push(event.dataWaitFraction!) },
      });
      return seen;
    };
    // A 40 ms wait per batch dominates a toy step of well under a millisecond.
    for (const fraction of await fractions(40)) expect(fraction).toBeGreaterThan(0.5);
    for (const fraction of await fractions(0)) expect(fraction).toBeLessThan(0.5);
  });

  it("checkpoints on its own cadence, logs on another, evaluates, keeps the newest N", async () => {
    const task = newTask();
    const logs: number[] = [];
    const checkpoints: number[] = [];
    const evals: number[] = [];
    const ends: string[] = [];
    let stepEvents = 0;
    const evaluate = (context: { step: number; maxSteps: number | undefined }) => {
      evals.push(context.step);
      expect(context.maxSteps).toBe(4);
      return { "auroc/toy": 0.5 + context.step / 100 };
    };
    Object.assign(task, { evaluate });
    const result = await runTraining({
      task,
      data: batches,
      config: config({
        num_train_steps: 10,
        checkpoint_every_n: 4,
        train_log_every_n: 3,
        eval_every_n: 4,
        num_eval_steps: 4,
        checkpoint_max_to_keep: 2,
      }),
      callbacks: [
        {
          onStep: () => {
            stepEvents++;
          },
          onLog: (event) => {
            logs.push(event.step);
            expect(event.stepsPerSecond).toBeGreaterThan(0);
            expect(event.examplesPerSecond).toBeCloseTo(event.stepsPerSecond * 8, 6);
            expect(Number.isFinite(event.loss)).toBe(true);
            expect(event.metrics["lr"]).toBeGreaterThanOrEqual(0);
            expect(event.tensors).toBe(tf.memory().numTensors);
          },
          onCheckpoint: (event) => {
            checkpoints.push(event.step);
          },
          onEval: (event) => {
            expect(event.metrics["auroc/toy"]).toBeCloseTo(0.5 + event.step / 100);
          },
        },
        { onEnd: (event) => void ends.push(event.status) },
      ],
    });
    expect(stepEvents).toBe(10);
    expect(logs).toEqual([3, 6, 9, 10]);
    expect(evals).toEqual([4, 8, 10]);
    expect(checkpoints).toEqual([4, 8, 10]);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([8, 10]);
    expect(result.lastEval).toEqual({ "auroc/toy": 0.6 });
    expect(ends).toEqual(["completed"]);
    expect((await readdir(dir)).filter((name) => name.startsWith("."))).toEqual([]);
  });

  it("skips a finished run and warm-starts a new one at step 0", async () => {
    const task = newTask();
    await runTraining({ task, data: batches, config: config({ num_train_steps: 5 }) });
    const again = newTask();
    const result = await runTraining({
      task: again,
      data: batches,
      config: config({ num_train_steps: 5 }),
    });
    expect(result.status).toBe("already_finished");
    // Its training time is the finished run's (from the checkpoint), not this call's 0.
    expect(result.walltimeS).toBeGreaterThan(0);
    expect(again.steps).toEqual([]);
    // The finished run's weights are restored, so the caller holds the trained model.
    expect(again.restored.map((context) => context.reason)).toEqual(["resume"]);
    expect(again.values()).toEqual(task.values());

    const warm = newTask();
    const warmDir = join(dir, "warm");
    await runTraining({
      task: warm,
      data: batches,
      config: config({ save_dir: warmDir, num_train_steps: 2, initial_checkpoint_dir: dir }),
    });
    expect(warm.restored).toEqual([{ reason: "warm_start", step: 5 }]);
    expect(warm.steps).toEqual([0, 1]);
    expect((await listCheckpoints(warmDir)).map((ref) => ref.step)).toEqual([2]);
  });

  it("stops with NumericError naming the step and the last checkpoint", async () => {
    const task = newTask();
    task.nanAt = 7;
    const ends: string[] = [];
    const error = await runTraining({
      task,
      data: batches,
      config: config(),
      callbacks: { onEnd: (event) => void ends.push(event.status) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NumericError);
    expect(TmlError.isInstance(error, "NUMERIC")).toBe(true);
    expect((error as NumericError).details).toMatchObject({ step: 7, checkpoint: join(dir, "5") });
    expect((error as Error).message).toMatch(/Loss is NaN at step 7\. The last checkpoint is/);
    expect(ends).toEqual(["failed"]);
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([5]);

    // A NumericError thrown by the task itself gains the step and the checkpoint.
    const own = newTask();
    const ownDir = join(dir, "own");
    await runTraining({
      task: own,
      data: batches,
      config: config({ save_dir: ownDir, num_train_steps: 5 }),
    });
    own.trainStep = () => {
      throw new NumericError("non-finite training loss NaN");
    };
    const wrapped = await runTraining({
      task: own,
      data: batches,
      config: config({ save_dir: ownDir, num_train_steps: 9 }),
    }).catch((e: unknown) => e);
    expect((wrapped as NumericError).details).toMatchObject({
      step: 5,
      checkpoint: join(ownDir, "5"),
    });
    expect((wrapped as Error).message).toMatch(/non-finite training loss NaN \(training step 5\)/);
  });

  it("ends early when the data runs out, with a checkpoint", async () => {
    const task = newTask();
    const short = (start: number) =>
      Array.from({ length: 3 - start }, (_, i) => makeBatch(start + i));
    const result = await runTraining({ task, data: short, config: config() });
    expect(result).toMatchObject({ status: "data_exhausted", step: 3 });
    expect((await listCheckpoints(dir)).map((ref) => ref.step)).toEqual([3]);
  });

  it("leaks no tensors per step", async () => {
    const task = newTask();
    await runTraining({ task, data: batches, config: config({ num_train_steps: 2 }) });
    const before = tf.memory().numTensors;
    await runTraining({ task, data: batches, config: config({ num_train_steps: 8 }) });
    expect(tf.memory().numTensors).toBe(before);
  });
});
