import {
  type EarlyStoppingConfig,
  getFlag,
  type Logger,
  type TrainingCallbacks,
  UsageError,
} from "@tml/core";
import { selectEngine } from "@tml/engine";
import { latestCheckpoint, runTraining, type TrainingResult } from "@tml/training";
import { SharedFloat32Arrays } from "@tml/training/parallel";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { EdgeBatch } from "../data/edge-batch.js";
import { EdgeBatches } from "../data/edge-batches.js";
import { checkEdges } from "../data/edge-check.js";
import { expandGlob, readEdges } from "../data/edge-set.js";
import { FilterIndex } from "../eval/filter-index.js";
import { TwhinModel } from "../model/twhin-model.js";
import { checkAccumulationWorkers } from "../optim/gradient-accumulation.js";
import { TwhinTask } from "../task/twhin-task.js";
import { loadPretrainedTables } from "./pretrained-tables.js";
import { type ConfigSource, resolveConfig } from "./resolve-config.js";
import type { SelectedCheckpoint } from "./selected-checkpoint.js";
import { planTwhinTraining, type TwhinTrainingPlan } from "./training-plan.js";

/** Options of `trainTwhin`. */
export interface TrainTwhinOptions {
  /** Config object or YAML path. */
  config: ConfigSource;
  /** `key.path=value` overrides applied to a YAML config. */
  overrides?: readonly string[];
  /** Checkpoint directory; overrides `training.save_dir` (the original's `--save_dir`). */
  outDir?: string;
  /** tfjs device for the dense products (`auto` | `cpu` | `wasm` | …). */
  device?: string;
  /** Overrides `training.num_train_steps` and `training.num_epochs`. */
  maxSteps?: number;
  /**
   * Hogwild worker threads (default: the `TML_ENGINE_THREADS` flag, i.e. `--threads`, all usable
   * cores); 1 trains on one thread with bit-identical reruns (`--deterministic`). Each step trains
   * one batch of `per_replica_batch_size` edges per worker, as the original's replicas do.
   */
  workers?: number;
  /** Continue from the newest checkpoint in the save dir (default true); false refuses a non-empty one. */
  resume?: boolean;
  logger?: Logger;
  callbacks?: TrainingCallbacks | readonly TrainingCallbacks[];
  signal?: AbortSignal;
}

/** What `trainTwhin` returns: the loop's result plus the trained model. */
export interface TrainTwhinResult extends TrainingResult {
  model: TwhinModel;
  config: TwhinConfig;
  engine: string;
  /** Hogwild workers that trained it (1: one thread, deterministic). */
  workers: number;
  /** Steps, epochs and validation cadence of the run. */
  plan: TwhinTrainingPlan;
  /**
   * With `model_selection` (or `training.early_stopping`): the best-validation checkpoint, kept in
   * the save dir, the one to evaluate and export.
   */
  selected: SelectedCheckpoint | undefined;
}

/**
 * Trains TwHIN embeddings: reads `train_data` edges, initialises (seeded; tables with `pretrained`
 * from their snapshot) or resumes from the save dir / warm-starts from `initial_checkpoint_dir`, and runs `@tml/training`'s `runTraining` for
 * `training.num_epochs` epochs (else `num_train_steps` steps) with checkpoints, logging (loss,
 * edges/s) and filtered link-prediction validation of `validation_data` every
 * `model_selection.eval_every_n_epochs` epochs (best checkpoint kept, optional early stopping:
 * `earlyStoppingOf`) or every `training.eval_every_n` steps.
 */
export async function trainTwhin(options: TrainTwhinOptions): Promise<TrainTwhinResult> {
  const config = resolveConfig(options.config, options.overrides);
  const saveDir = options.outDir ?? config.training.save_dir;
  if (options.resume === false && (await latestCheckpoint(saveDir))) {
    throw new UsageError(
      `${saveDir} already holds checkpoints and resume is off; choose another outDir or resume.`,
      {
        details: { save_dir: saveDir },
      },
    );
  }
  const engine = await selectEngine({
    device: options.device ?? "auto",
    gradients: false,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const data = config.train_data;
  const edges = await readEdges(data.data_root, {
    limit: data.limit,
    ...(data.offset ? { offset: data.offset } : {}),
  });
  const workers = options.workers ?? getFlag("TML_ENGINE_THREADS");
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError(`Hogwild workers must be a positive integer, got ${workers}.`);
  }
  checkAccumulationWorkers(config, workers);
  const plan = planTwhinTraining(config, edges.size, { workers, maxSteps: options.maxSteps });
  const training = {
    ...config.training,
    save_dir: saveDir,
    num_train_steps: plan.numTrainSteps,
    eval_every_n: plan.evalEveryN,
    early_stopping: earlyStoppingOf(config),
  };
  const arrays = workers > 1 ? SharedFloat32Arrays.create() : undefined;
  const model = new TwhinModel(config.model, undefined, arrays?.allocate).initialize(config.seed);
  const pretrained = await loadPretrainedTables(model, config.model);
  checkEdges(model, edges, "training");
  const batches = new EdgeBatches(edges, data.per_replica_batch_size * workers, config.seed);
  let validation: { edges: typeof edges; filter: FilterIndex } | undefined;
  const held = config.validation_data;
  if (plan.evalEveryN && held) {
    const validEdges = await readEdges(held.data_root, {
      limit: held.limit,
      ...(held.offset ? { offset: held.offset } : {}),
    });
    const extra = await Promise.all(
      (config.evaluation?.filter_roots ?? [])
        .flatMap((root) => expandGlob(root))
        .map((f) => readEdges(f)),
    );
    checkEdges(model, validEdges, "validation");
    for (const set of extra) checkEdges(model, set, "filter");
    validation = {
      edges: validEdges,
      filter: new FilterIndex(model.relations.length, [edges, validEdges, ...extra]),
    };
  }
  const task = new TwhinTask({
    model,
    config,
    batches,
    ...(validation ? { validation } : {}),
    ...(arrays ? { parallel: { workers, arrays } } : {}),
  });
  options.logger?.info("twhin data", {
    edges: edges.size,
    steps: plan.numTrainSteps,
    steps_per_epoch: plan.stepsPerEpoch,
    tables: model.tables.map((t) => `${t.name}:${t.rows}x${t.dim}:${t.storage}`).join(", "),
    pretrained: pretrained.join(", ") || "none",
    workers,
  });
  try {
    const result = await runTraining<EdgeBatch>({
      task,
      config: training,
      data: function* () {
        while (true) yield batches.next();
      },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.callbacks ? { callbacks: options.callbacks } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      ...result,
      model,
      config: { ...config, training },
      engine: engine.label,
      workers,
      plan,
      selected: result.best && {
        checkpoint: result.best.checkpoint!,
        step: result.best.step,
        mrr: result.best.metrics["mrr"]!,
      },
    };
  } finally {
    await task.close();
  }
}

/**
 * The loop's `early_stopping` of a TwHIN config: `model_selection` (the epoch-based form) follows
 * the validation MRR, keeping the best checkpoint and stopping after `patience` validations
 * without a better one (never without `patience`); else the config's own `training.early_stopping`.
 * The config schema refuses both at once.
 */
function earlyStoppingOf(config: TwhinConfig): EarlyStoppingConfig | null | undefined {
  const selection = config.model_selection;
  if (!selection) return config.training.early_stopping;
  return { monitor: "mrr", mode: "max", min_delta: 0, patience: selection.patience ?? null };
}
