import {
  CheckpointError,
  ConfigError,
  type EarlyStoppingConfig,
  type ReduceLrOnPlateauConfig,
  type TrainingConfig,
} from "@tml/core";

/** Which direction of a metric is better, and by how much a value must beat the best. */
interface Comparison {
  mode: "max" | "min";
  min_delta: number;
}

/** True when `value` beats `best` by more than `min_delta` in the direction of `mode`. */
export function improves(value: number, best: number | null, comparison: Comparison): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return comparison.mode === "max"
    ? value > best + comparison.min_delta
    : value < best - comparison.min_delta;
}

/** The value of `key` in an evaluation's metrics; a ConfigError naming the keys when absent. */
export function monitoredValue(metrics: Readonly<Record<string, number>>, key: string): number {
  const value = metrics[key];
  if (value === undefined) {
    throw new ConfigError(
      `The monitored metric "${key}" is not among the evaluation's metrics (${Object.keys(metrics).join(", ")}); set monitor to one of them.`,
    );
  }
  return value;
}

/** Saved state of `PlateauSchedule`. */
export interface PlateauState {
  best: number | null;
  /** Evaluations without improvement since the best or the last reduction. */
  waiting: number;
  /** Current multiplier of the learning rates (1 at the start). */
  scale: number;
}

/**
 * Reduce-learning-rate-on-plateau as a pure schedule over evaluations: each evaluation that does
 * not improve on the best adds one to a count; when the count reaches `patience` the scale is
 * multiplied by `factor` and the count restarts; an improvement resets the count.
 */
export class PlateauSchedule {
  state: PlateauState = { best: null, waiting: 0, scale: 1 };

  constructor(readonly config: ReduceLrOnPlateauConfig) {}

  /** Takes one evaluation's value; returns the new scale when this evaluation reduced it. */
  observe(value: number): number | undefined {
    if (improves(value, this.state.best, this.config)) {
      this.state = { ...this.state, best: value, waiting: 0 };
      return undefined;
    }
    const waiting = this.state.waiting + 1;
    if (waiting < this.config.patience) {
      this.state = { ...this.state, waiting };
      return undefined;
    }
    this.state = { ...this.state, waiting: 0, scale: this.state.scale * this.config.factor };
    return this.state.scale;
  }
}

/** The best evaluation so far. */
export interface BestEvaluation {
  /** Completed training steps at that evaluation. */
  step: number;
  /** The monitored metric's value. */
  value: number;
  /** All metrics of that evaluation. */
  metrics: Record<string, number>;
  /** Its checkpoint (written when the evaluation improved). */
  checkpoint: string | null;
}

/** Saved state of `EarlyStopping`. */
export interface EarlyStoppingState {
  best: BestEvaluation | null;
  /** Evaluations in a row without improvement. */
  waiting: number;
  /** True once `patience` evaluations in a row did not improve (never without `patience`). */
  stopped: boolean;
}

/**
 * Early stopping as a pure rule over evaluations; it also remembers the best evaluation. Without
 * `patience` it only remembers the best (the run is never stopped).
 */
export class EarlyStopping {
  state: EarlyStoppingState = { best: null, waiting: 0, stopped: false };

  constructor(readonly config: EarlyStoppingConfig) {}

  /** Takes one evaluation; returns whether it is the new best. */
  observe(step: number, metrics: Readonly<Record<string, number>>): boolean {
    const value = monitoredValue(metrics, this.config.monitor);
    if (improves(value, this.state.best?.value ?? null, this.config)) {
      this.state = {
        best: { step, value, metrics: { ...metrics }, checkpoint: null },
        waiting: 0,
        stopped: false,
      };
      return true;
    }
    const waiting = this.state.waiting + 1;
    const patience = this.config.patience;
    this.state = { ...this.state, waiting, stopped: patience != null && waiting >= patience };
    return false;
  }

  /** Records the checkpoint written for the best evaluation. */
  setBestCheckpoint(path: string): void {
    if (this.state.best)
      this.state = { ...this.state, best: { ...this.state.best, checkpoint: path } };
  }
}

/** What the loop does after an evaluation. */
export interface MonitorOutcome {
  /** The evaluation is the new best of early stopping: checkpoint it. */
  improved: boolean;
  /** Early stopping asks to end training. */
  stop: boolean;
  /** The plateau schedule's new learning-rate scale, when this evaluation reduced it. */
  learningRateScale: number | undefined;
}

/** Saved state of `ValidationMonitors` (in each checkpoint's manifest). */
export interface ValidationMonitorsState {
  earlyStopping: EarlyStoppingState | null;
  plateau: PlateauState | null;
}

/**
 * The loop's validation monitors of a training config (`early_stopping`,
 * `reduce_lr_on_plateau`): fed every evaluation, saved with every checkpoint.
 */
export class ValidationMonitors {
  readonly earlyStopping: EarlyStopping | undefined;
  readonly plateau: PlateauSchedule | undefined;

  private constructor(config: TrainingConfig) {
    if (config.early_stopping) this.earlyStopping = new EarlyStopping(config.early_stopping);
    if (config.reduce_lr_on_plateau)
      this.plateau = new PlateauSchedule(config.reduce_lr_on_plateau);
  }

  /**
   * The monitors a config asks for, or undefined when it asks for none. Throws ConfigError when
   * they cannot work: no `eval_every_n`, no task evaluation, or (plateau) no learning-rate scaling.
   */
  static fromConfig(
    config: TrainingConfig,
    task: { evaluate?: unknown; setLearningRateScale?: unknown },
  ): ValidationMonitors | undefined {
    if (!config.early_stopping && !config.reduce_lr_on_plateau) return undefined;
    const name = config.early_stopping ? "early_stopping" : "reduce_lr_on_plateau";
    if (!config.eval_every_n || !task.evaluate) {
      throw new ConfigError(
        `training.${name} follows the evaluations during training; set training.eval_every_n (and validation data).`,
      );
    }
    if (config.reduce_lr_on_plateau && !task.setLearningRateScale) {
      throw new ConfigError(
        "training.reduce_lr_on_plateau: this model's task cannot scale its learning rates; remove the section.",
      );
    }
    return new ValidationMonitors(config);
  }

  /** The learning-rate floor of the plateau schedule (0 when off). */
  get minLearningRate(): number {
    return this.plateau?.config.min_learning_rate ?? 0;
  }

  /** Feeds one evaluation to every monitor. */
  observe(step: number, metrics: Readonly<Record<string, number>>): MonitorOutcome {
    const improved = this.earlyStopping?.observe(step, metrics) ?? false;
    const learningRateScale = this.plateau?.observe(
      monitoredValue(metrics, this.plateau.config.monitor),
    );
    return { improved, stop: this.earlyStopping?.state.stopped ?? false, learningRateScale };
  }

  getState(): ValidationMonitorsState {
    return {
      earlyStopping: this.earlyStopping?.state ?? null,
      plateau: this.plateau?.state ?? null,
    };
  }

  /** Restores `getState` output from a checkpoint; CheckpointError when a monitor's state is missing. */
  setState(state: unknown, path: string): void {
    const saved = state as Partial<ValidationMonitorsState> | null | undefined;
    const missing = (name: string) =>
      new CheckpointError(
        `Checkpoint ${path} has no training.${name} state: the run was started without training.${name} (or by a version that did not save it). Resume with the config the run started with, or start a new run (a new --out) to use it.`,
        { details: { path, monitor: name } },
      );
    if (this.earlyStopping) {
      if (!saved?.earlyStopping) throw missing("early_stopping");
      this.earlyStopping.state = saved.earlyStopping;
    }
    if (this.plateau) {
      if (!saved?.plateau) throw missing("reduce_lr_on_plateau");
      this.plateau.state = saved.plateau;
    }
  }
}
