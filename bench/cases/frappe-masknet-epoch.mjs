// End to end: one epoch of the Frappe MaskNet recipe (@tml/heavy-ranker's configs/frappe-masknet.yaml,
// the model of the README's Frappe quality row) through trainHeavyRanker, the trainer's own path:
// Parquet streamed by data-io's Dataset (shuffle buffer, batches of 4096, remainder dropped),
// featurization, 49 Adam steps over 202,027 rows, the final checkpoint and model.safetensors. The
// CSV → Parquet conversion (convertFrappe, once per dataset) stays in setup; validation is off, so
// the time is the training epoch alone. Reference: bench/reference/frappe_masknet_torch.py, the same
// model and loop in PyTorch reading its own converted copy of the split.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { trainFlopsPerSample } from "../lib/model-flops.mjs";

export const name = "frappe_masknet_epoch_s";
export const unit = "s";
export const warmup = 0; // a user's first epoch starts cold too
export const repeats = 2;

/** The Frappe folder of the shared datasets, or undefined when it is absent. */
function frappeDataDir() {
  const root = sharedDataDir();
  const dir = root ? join(root, "frappe") : undefined;
  return dir && existsSync(dir) ? dir : undefined;
}

/** Why this case cannot run here (checked before its process starts), or undefined. */
export function skipReason() {
  return frappeDataDir()
    ? undefined
    : "data absent: no frappe/ under the shared data folder (TML_DATA_DIR or ../shared/data)";
}

let state;

export async function setup() {
  const { selectBenchEngine } = await import("../lib/tf.mjs");
  const engine = await selectBenchEngine();
  const { convertFrappe } = await import("@tml/data-io");
  const hr = await import("@tml/heavy-ranker");
  const scratch = mkdtempSync(join(tmpdir(), "tml-bench-frappe-"));
  const parquet = join(scratch, "parquet");
  const descriptor = await convertFrappe(frappeDataDir(), parquet);
  const configs = fileURLToPath(new URL("../configs/", import.meta.resolve("@tml/heavy-ranker")));
  const loaded = hr.loadRecapConfig(`${configs}frappe-masknet.yaml`, {
    env: { HOME: scratch, FRAPPE_PARQUET: parquet },
  });
  // No validation partition (and so no validation monitors): the loop then evaluates nothing, and
  // the epoch is training only.
  const training = {
    ...loaded.training,
    early_stopping: null,
    reduce_lr_on_plateau: null,
    eval_every_n: null,
  };
  const config = { ...loaded, training, validation_data: {} };
  const batchSize = config.train_data.global_batch_size;
  const steps = Math.floor(descriptor.splits.train.rows / batchSize);
  const model = hr.buildRankingModel(config, { continuousWidth: 0, binaryWidth: 0 });
  const gflopsPerRun = (trainFlopsPerSample(model) * steps * batchSize) / 1e9;
  model.dispose();
  state = { hr, config, steps, scratch, run: 0 };
  return { engine, gflopsPerRun };
}

export async function run() {
  const outDir = join(state.scratch, `run-${state.run++}`);
  const started = performance.now();
  const result = await state.hr.trainHeavyRanker({
    config: state.config,
    outDir,
    maxSteps: state.steps,
    logger: silentLogger,
    seed: 0,
  });
  const seconds = (performance.now() - started) / 1000;
  rmSync(outDir, { recursive: true, force: true });
  if (result.step !== state.steps)
    throw new Error(`frappe epoch: trained ${result.step} steps, expected ${state.steps}`);
  return seconds;
}

export async function teardown() {
  rmSync(state.scratch, { recursive: true, force: true });
}
