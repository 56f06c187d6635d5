import * as tf from "@tensorflow/tfjs-core";
import {
  assert,
  CheckpointError,
  ConfigError,
  checkStateArray,
  type StateArray,
  type TaskState,
} from "@tml/core";
import {
  accumulateGradients,
  applyOptimizerUpdate,
  slotNamesOf,
  type VariableUpdate,
} from "@tml/engine";
import { tensorToStateArray } from "../loop/state-tensors.js";
import {
  type AccumulationParity,
  accumulationAction,
  type GradientAccumulationOptions,
} from "./gradient-accumulation.js";
import {
  computeLearningRate,
  type LearningRateConfig,
  scaledLearningRate,
} from "./learning-rate.js";
import type { OptimizerAlgorithm } from "./optimizer-config.js";

/** Variables that share one learning-rate schedule (a task tower, the backbone…). */
export interface ParameterGroup {
  name: string;
  variables: readonly tf.Variable[];
  learningRate: LearningRateConfig;
}

/** Options of `DenseOptimizer`. */
export interface DenseOptimizerOptions {
  algorithm: OptimizerAlgorithm;
  /** Named groups; every variable belongs to exactly one. */
  groups: readonly ParameterGroup[];
  /** Rescale the whole (accumulated) gradient to at most this global L2 norm before updating. */
  clipGlobalNorm?: number;
  /** Accumulate N micro-batches per update; absent = update on every call. */
  gradientAccumulation?: GradientAccumulationOptions;
  /**
   * Name of a variable in the saved state (default: its tfjs name). tfjs names depend on creation
   * order, so pass a stable one (e.g. the state_dict key) to load checkpoints across processes.
   */
  stateKeyOf?: (variable: tf.Variable) => string;
}

/** What one `DenseOptimizer.step` call did. */
export interface OptimizerStepResult {
  /** True when the variables were updated (always, unless accumulating). */
  applied: boolean;
  /** Learning rate of each group at this call's schedule step. */
  learningRates: Record<string, number>;
}

/** Gradients keyed by variable name: a Map, or the `grads` record of `tf.variableGrads`. */
export type GradientMap = ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>;

/** The JSON half of an optimizer's saved state. */
export interface OptimizerStateJson {
  algorithm: OptimizerAlgorithm["kind"];
  /** `step` calls so far (the schedule step). */
  calls: number;
  /** Updates each variable received (Adam bias correction). */
  updates: Record<string, number>;
  /** Variables with a pending accumulated gradient. */
  accumulated: string[];
}

interface Entry {
  variable: tf.Variable;
  /** Name in the saved state. */
  key: string;
  group: ParameterGroup;
  /** Slots (Adam m and v…), zeros at first, same shape as the variable. */
  slots: tf.Variable[];
  updates: number;
}

/**
 * Adam / SGD / Adagrad over tfjs variables in named parameter groups, each with its own learning-
 * rate schedule, with optional global-norm clipping and gradient accumulation. The schedule step
 * is the number of `step` calls so far and is part of the saved state. `step` never takes
 * ownership of the gradient tensors. Each update is one engine op (`applyOptimizerUpdate`: one
 * fused kernel call for every variable on cpu and wasm, tfjs ops elsewhere).
 */
export class DenseOptimizer {
  readonly algorithm: OptimizerAlgorithm;
  readonly groups: readonly ParameterGroup[];
  private readonly slotNames: readonly string[];
  private readonly entries = new Map<string, Entry>();
  private readonly accumulated = new Map<string, tf.Tensor>();
  private readonly clipGlobalNorm: number | undefined;
  private readonly accumulationSteps: number;
  private readonly parity: AccumulationParity | undefined;
  private calls = 0;
  private learningRateScale = 1;
  private learningRateFloor = 0;

  constructor(options: DenseOptimizerOptions) {
    this.algorithm = options.algorithm;
    this.groups = options.groups;
    this.slotNames = slotNamesOf(options.algorithm);
    this.clipGlobalNorm = options.clipGlobalNorm;
    this.accumulationSteps = options.gradientAccumulation?.steps ?? 1;
    this.parity = options.gradientAccumulation
      ? (options.gradientAccumulation.parity ?? "intended")
      : undefined;
    assert(
      Number.isInteger(this.accumulationSteps) && this.accumulationSteps >= 1,
      () => `gradient accumulation steps must be a positive integer, got ${this.accumulationSteps}`,
    );
    const groupNames = new Set<string>();
    for (const group of options.groups) {
      assert(!groupNames.has(group.name), () => `duplicate parameter group "${group.name}"`);
      groupNames.add(group.name);
      for (const variable of group.variables) {
        assert(
          !this.entries.has(variable.name),
          () => `variable ${variable.name} is in two parameter groups`,
        );
        assert(variable.dtype === "float32", () => `variable ${variable.name} is not float32`);
        // tidy frees the zeros tensor; variables survive it.
        const slots = this.slotNames.map(() =>
          tf.tidy(() => tf.variable(tf.zeros(variable.shape), false)),
        );
        const key = options.stateKeyOf?.(variable) ?? variable.name;
        this.entries.set(variable.name, { variable, key, group, slots, updates: 0 });
      }
    }
  }

  /** Number of `step` calls so far = the schedule step the next call uses. */
  get scheduleStep(): number {
    return this.calls;
  }

  /**
   * Multiplies every group's scheduled rate by `scale` from the next call on, but never below
   * `floor`; a scheduled rate already under `floor` is kept (reduce-on-plateau). Not part of the
   * saved state: the training loop's validation monitors own it and set it again on resume.
   */
  setLearningRateScale(scale: number, floor = 0): void {
    assert(
      scale > 0 && Number.isFinite(scale),
      () => `learning-rate scale must be > 0, got ${scale}`,
    );
    assert(floor >= 0, () => `learning-rate floor must be ≥ 0, got ${floor}`);
    this.learningRateScale = scale;
    this.learningRateFloor = floor;
  }

  /** Learning rate of each group at schedule step `step` (default: the next call's). */
  learningRates(step = this.calls): Record<string, number> {
    const rates: Record<string, number> = {};
    for (const group of this.groups) {
      const scheduled = computeLearningRate(group.learningRate, step);
      rates[group.name] = scaledLearningRate(
        scheduled,
        this.learningRateScale,
        this.learningRateFloor,
      );
    }
    return rates;
  }

  /**
   * Feeds one (micro-)batch gradient, keyed by variable name. Variables without a gradient are
   * left alone (their slots and update counts too, as in PyTorch).
   */
  step(gradients: GradientMap): OptimizerStepResult {
    const learningRates = this.learningRates(this.calls);
    const input = gradients instanceof Map ? gradients : new Map(Object.entries(gradients));
    for (const [name, gradient] of input) {
      const entry = this.entries.get(name);
      assert(entry, () => `gradient for unknown variable ${name}; add it to a parameter group`);
      assert(gradient.dtype === "float32", () => `gradient of ${name} is ${gradient.dtype}`);
      assert(
        gradient.shape.length === entry.variable.shape.length &&
          gradient.shape.every((d: number, i: number) => d === entry.variable.shape[i]),
        () =>
          `gradient of ${name} has shape [${gradient.shape}], variable [${entry.variable.shape}]`,
      );
    }
    let toApply: ReadonlyMap<string, tf.Tensor> = input;
    let applied = true;
    if (this.parity !== undefined) {
      const action = accumulationAction(this.calls, this.accumulationSteps, this.parity);
      this.accumulate(input, action.zero);
      applied = action.step;
      toApply = this.accumulated;
    }
    this.calls++;
    if (!applied) return { applied, learningRates };
    this.apply(toApply, learningRates);
    if (this.parity === "intended") this.clearAccumulated();
    return { applied, learningRates };
  }

  private accumulate(gradients: ReadonlyMap<string, tf.Tensor>, zero: boolean): void {
    if (zero) this.clearAccumulated();
    const terms = [...gradients].map(([name, gradient]) => {
      const previous = this.accumulated.get(name);
      return previous === undefined ? { gradient } : { gradient, previous };
    });
    const sums = accumulateGradients(terms, 1 / this.accumulationSteps);
    let index = 0;
    for (const name of gradients.keys()) {
      this.accumulated.get(name)?.dispose();
      this.accumulated.set(name, tf.keep(sums[index++]!));
    }
  }

  private clearAccumulated(): void {
    for (const tensor of this.accumulated.values()) tensor.dispose();
    this.accumulated.clear();
  }

  private apply(
    gradients: ReadonlyMap<string, tf.Tensor>,
    learningRates: Record<string, number>,
  ): void {
    const updates: VariableUpdate[] = [];
    for (const [name, gradient] of gradients) {
      const entry = this.entries.get(name)!;
      entry.updates++;
      updates.push({
        variable: entry.variable,
        gradient,
        slots: entry.slots,
        learningRate: learningRates[entry.group.name]!,
        count: entry.updates,
      });
    }
    applyOptimizerUpdate(this.algorithm, updates, this.clipGlobalNorm);
  }

  /**
   * Optimizer state for a checkpoint: slot arrays keyed `<prefix><slot>/<state key>`, pending
   * accumulated gradients keyed `<prefix>accumulated/<state key>`, and counters in `json`.
   */
  async getState(prefix = "optimizer/"): Promise<TaskState> {
    const tensors = new Map<string, tf.Tensor>();
    const updates: Record<string, number> = {};
    for (const entry of this.entries.values()) {
      updates[entry.key] = entry.updates;
      this.slotNames.forEach((slot, i) => {
        tensors.set(`${prefix}${slot}/${entry.key}`, entry.slots[i]!);
      });
    }
    for (const [name, tensor] of this.accumulated) {
      tensors.set(`${prefix}accumulated/${this.entries.get(name)!.key}`, tensor);
    }
    // Every download at once: on a GPU backend each read waits for the device.
    const read = await Promise.all([...tensors.values()].map(tensorToStateArray));
    const arrays: Record<string, StateArray> = Object.fromEntries(
      [...tensors.keys()].map((key, i) => [key, read[i]!]),
    );
    const json: OptimizerStateJson = {
      algorithm: this.algorithm.kind,
      calls: this.calls,
      updates,
      accumulated: [...this.accumulated.keys()].map((name) => this.entries.get(name)!.key),
    };
    return { arrays, json };
  }

  /** Restores `getState` output; throws `CheckpointError` on a missing or misshapen array. */
  setState(state: TaskState, prefix = "optimizer/"): void {
    const json = state.json as Partial<OptimizerStateJson> | undefined;
    if (json?.algorithm !== this.algorithm.kind) {
      // Loading another optimizer's slots would silently drop the saved state: the config changed.
      const saved = json?.algorithm ?? "an unrecorded optimizer";
      throw new ConfigError(
        `Cannot resume: the checkpoint was trained with ${saved}, the config asks for ${this.algorithm.kind}. Resume with the optimizer it was trained with, or start a new run without --resume.`,
        { details: { checkpoint_optimizer: saved, config_optimizer: this.algorithm.kind } },
      );
    }
    const read = (key: string, variable: tf.Variable): Float32Array => {
      const array = state.arrays[key];
      if (!array) throw new CheckpointError(`Optimizer state has no array "${key}".`);
      checkStateArray(key, array, variable.shape, "float32");
      return array.data as Float32Array;
    };
    const byKey = new Map<string, Entry>();
    for (const entry of this.entries.values()) {
      byKey.set(entry.key, entry);
      this.slotNames.forEach((slot, i) => {
        const data = read(`${prefix}${slot}/${entry.key}`, entry.variable);
        tf.tidy(() => entry.slots[i]!.assign(tf.tensor(data, entry.variable.shape)));
      });
      entry.updates = json.updates?.[entry.key] ?? 0;
    }
    this.clearAccumulated();
    for (const key of json.accumulated ?? []) {
      const entry = byKey.get(key);
      if (!entry) throw new CheckpointError(`Optimizer state accumulates unknown variable ${key}.`);
      const data = read(`${prefix}accumulated/${key}`, entry.variable);
      this.accumulated.set(entry.variable.name, tf.keep(tf.tensor(data, entry.variable.shape)));
    }
    this.calls = json.calls ?? 0;
  }

  /** Frees the slot variables and any accumulated gradient (the model's variables stay). */
  dispose(): void {
    this.clearAccumulated();
    for (const entry of this.entries.values()) for (const slot of entry.slots) slot.dispose();
  }
}
