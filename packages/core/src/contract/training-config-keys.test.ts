import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unreadConfigKeys } from "../testing/config-key-readers.js";
import { trainingConfigSchema } from "./training-config.js";

const LOOP = "packages/training/src/loop/run-training.ts";
const MONITORS = "packages/training/src/loop/validation-monitors.ts";

/**
 * The reader of every key of the `training` section. The models' own walks skip `training.`: this
 * registry covers it for both (keys a model reads itself name that model's file).
 */
const TRAINING_READERS = {
  save_dir: LOOP,
  num_train_steps: LOOP,
  initial_checkpoint_dir: "packages/training/src/loop/restore-run.ts",
  checkpoint_every_n: LOOP,
  checkpoint_max_to_keep: LOOP,
  train_log_every_n: LOOP,
  num_eval_steps: LOOP,
  eval_log_every_n: [LOOP, "packages/training/src/loop/evaluate-checkpoints.ts"],
  eval_every_n: LOOP,
  eval_timeout_in_s: LOOP,
  max_train_seconds: LOOP,
  gradient_accumulation: [
    "packages/heavy-ranker/src/task/recap-train-task.ts",
    "packages/twhin/src/optim/gradient-accumulation.ts",
  ],
  gradient_accumulation_parity: [
    "packages/heavy-ranker/src/task/recap-train-task.ts",
    "packages/twhin/src/optim/gradient-accumulation.ts",
  ],
  num_epochs: [
    "packages/twhin/src/run/training-plan.ts",
    "packages/heavy-ranker/src/run/train-heavy-ranker.ts",
  ],
  early_stopping: MONITORS,
  "early_stopping.monitor": MONITORS,
  "early_stopping.mode": MONITORS,
  "early_stopping.min_delta": MONITORS,
  "early_stopping.patience": MONITORS,
  reduce_lr_on_plateau: MONITORS,
  "reduce_lr_on_plateau.monitor": MONITORS,
  "reduce_lr_on_plateau.mode": MONITORS,
  "reduce_lr_on_plateau.min_delta": MONITORS,
  "reduce_lr_on_plateau.factor": MONITORS,
  "reduce_lr_on_plateau.patience": MONITORS,
  "reduce_lr_on_plateau.min_learning_rate": MONITORS,
};

describe("training config keys", () => {
  it("every key of the training section is read by the loop or by both models", () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    expect(
      unreadConfigKeys({ schema: trainingConfigSchema, readers: TRAINING_READERS, root }),
    ).toEqual([]);
  });
});
