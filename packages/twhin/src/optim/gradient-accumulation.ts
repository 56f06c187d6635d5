import { ConfigError, type StateArray } from "@tml/core";
import { type AccumulationParity, accumulationAction } from "@tml/training";
import type { TwhinConfig } from "../config/twhin-config.js";
import type { StepKernels } from "../kernels/step-kernels.js";
import type { TwhinModel } from "../model/twhin-model.js";
import type { SparseGrads } from "../step/sparse-grads.js";
import type { StepBuffers } from "../step/step-buffers.js";
import { AccumulatedGradients } from "./accumulated-gradients.js";
import type { ModelOptimizers } from "./model-optimizers.js";

/** `training.gradient_accumulation` of a TwHIN run: micro-batches per update (N ≥ 2) and the rule. */
export interface AccumulationSettings {
  steps: number;
  parity: AccumulationParity;
}

/** The accumulation a config asks for; undefined (one update per step) when `gradient_accumulation` ≤ 1. */
export function accumulationSettings(config: TwhinConfig): AccumulationSettings | undefined {
  const steps = config.training.gradient_accumulation ?? 1;
  return steps > 1 ? { steps, parity: config.training.gradient_accumulation_parity } : undefined;
}

/**
 * ConfigError when a config accumulates gradients on more than one Hogwild worker: each worker
 * would need its own window of pending rows, applied and checkpointed apart, so accumulation
 * trains on one thread.
 */
export function checkAccumulationWorkers(config: TwhinConfig, workers: number): void {
  const settings = accumulationSettings(config);
  if (settings === undefined || workers === 1) return;
  throw new ConfigError(
    `training.gradient_accumulation = ${settings.steps} trains on one thread, but ${workers} Hogwild workers were asked for: run with --threads 1 (or --deterministic), or drop gradient_accumulation and raise train_data.per_replica_batch_size.`,
    { details: { gradient_accumulation: settings.steps, workers } },
  );
}

/** The JSON half of an accumulation's checkpoint state. */
export interface AccumulationStateJson {
  steps: number;
  parity: AccumulationParity;
  /** Updates the table optimizers have applied (Adam's bias-correction count). */
  table_updates: number;
  /** Updates the relation optimizer has applied. */
  relation_updates: number;
}

/**
 * Gradient accumulation over TwHIN's row-sparse updates: N = `steps` micro-batches (the loop's
 * steps) per optimizer update, the loss of each divided by N.
 *
 * `intended`: every window of N micro-batches sums its tables' and operators' row gradients
 * (÷ N: the mean, which for a loss that is a mean over edges equals one batch of N times the
 * edges) and applies the optimizers once, at the window's last micro-batch.
 *
 * `original` reproduces the original. Its train pipeline (`core/train_pipeline.py`) zeroes
 * gradients at micro-batch c iff c > 0 and (c + 2) % N = 0 and steps iff c > 0 and
 * (c + 1) % N = 0 (`@tml/training`'s `accumulationAction`, as the Heavy Ranker's dense optimizer
 * does); that governs the relation operators (`translation_optimizer`, a plain optimizer, in
 * `projects/twhin/optimizer.py`). The tables' optimizers are fused into the backward pass
 * (`projects/twhin/models/models.py` attaches them with torchrec's `apply_optimizer_in_backward`,
 * whose fused optimizer's step and zero_grad do nothing), so each micro-batch updates its table
 * rows at once, by the gradient of loss ÷ N, and the tables accumulate nothing.
 *
 * Learning-rate schedules read the micro-batch index (the loop's step) of the micro-batch that
 * applies, as the Heavy Ranker's do; Adam's bias correction counts the updates applied.
 */
export class RowGradientAccumulation {
  readonly settings: AccumulationSettings;
  private readonly optimizers: ModelOptimizers;
  private readonly pending: AccumulatedGradients;
  private tableUpdates = 0;
  private relationUpdates = 0;

  /** `stepSlots[t]`: the slots one step may fill in table t (the step buffers' capacity). */
  constructor(
    model: TwhinModel,
    optimizers: ModelOptimizers,
    stepSlots: readonly number[],
    settings: AccumulationSettings,
  ) {
    this.settings = settings;
    this.optimizers = optimizers;
    this.pending = new AccumulatedGradients(model, stepSlots, settings.steps);
  }

  /** Feeds the gradients a step left in `buffers` as micro-batch `call` (0-based: the loop's step). */
  feed(buffers: StepBuffers, kernels: StepKernels, call: number): void {
    const { steps, parity } = this.settings;
    const scale = 1 / steps;
    const action = accumulationAction(call, steps, parity);
    const pending = this.pending;
    if (action.zero) {
      pending.clearTables();
      pending.clearRelations();
    }
    pending.addRelations(buffers.relationGrads, scale);
    if (parity === "original") {
      scaleRows(buffers.tableGrads, scale);
      this.tableUpdates++;
      this.optimizers.applyTables(buffers, kernels, call, this.tableUpdates);
    } else {
      pending.addTables(buffers.tableGrads, scale);
    }
    if (!action.step) return;
    this.relationUpdates++;
    this.optimizers.applyRelations(pending.relations, call, this.relationUpdates);
    if (parity === "intended") {
      this.tableUpdates++;
      this.optimizers.applyTableGradients(pending.tables, pending.decoded, call, this.tableUpdates);
    }
    // The original keeps its gradients after a step but zeroes them before its next one, so
    // dropping them here changes nothing.
    pending.clearTables();
    pending.clearRelations();
  }

  /** Checkpoint state: the pending rows (`accumulated/…` arrays) and the update counts. */
  state(): { arrays: Record<string, StateArray>; json: AccumulationStateJson } {
    return {
      arrays: this.pending.arrays(),
      json: {
        ...this.settings,
        table_updates: this.tableUpdates,
        relation_updates: this.relationUpdates,
      },
    };
  }

  /** Restores `state()` output of checkpoint step `step` exactly. */
  restore(
    arrays: Readonly<Record<string, StateArray>>,
    json: AccumulationStateJson,
    step: number,
  ): void {
    this.pending.restore(arrays, step);
    this.tableUpdates = json.table_updates;
    this.relationUpdates = json.relation_updates;
  }
}

/**
 * ConfigError when a checkpoint (step `step`) was trained with other accumulation settings than
 * the config's (`undefined`: none): its pending rows and update counts would not fit the run.
 */
export function checkSameAccumulation(
  saved: AccumulationStateJson | undefined,
  settings: AccumulationSettings | undefined,
  step: number,
): void {
  const describe = (value: { steps: number; parity: string } | undefined) =>
    value ? `gradient_accumulation ${value.steps} (${value.parity})` : "no gradient accumulation";
  const before = describe(saved);
  const now = describe(settings);
  if (before === now) return;
  throw new ConfigError(
    `Cannot resume: the checkpoint (step ${step}) was trained with ${before}, the config asks for ${now}. Resume with the settings it was trained with, or warm-start a new run from it (training.initial_checkpoint_dir).`,
    { details: { checkpoint_accumulation: before, config_accumulation: now } },
  );
}

// The original divides the loss by N, so its fused table updates see gradients ÷ N.
function scaleRows(tableGrads: readonly SparseGrads[], scale: number): void {
  for (const grads of tableGrads) {
    const end = grads.count * grads.dim;
    for (let i = 0; i < end; i++) grads.grads[i]! *= scale;
  }
}
