/** After every training step. */
export interface StepEvent {
  /** Completed steps (1 after the first batch). */
  step: number;
  loss: number;
  examples: number;
  metrics: Record<string, number>;
  /** Active training time in seconds, across resumes. */
  walltimeS: number;
}

/** At each log line: means over the steps since the previous one. */
export interface LogEvent {
  step: number;
  /** Mean batch loss since the previous log line. */
  loss: number;
  stepsPerSecond: number;
  examplesPerSecond: number;
  walltimeS: number;
  /** Means of the steps' extra metrics since the previous log line. */
  metrics: Record<string, number>;
  /** The task's `weightStatistics()` at this step (norms of layers and embedding tables). */
  weights?: Record<string, number>;
  /** Live tfjs tensors (`tf.memory().numTensors`): growth between log lines means a leak. */
  tensors?: number;
  /**
   * Share of the window's training time the loop spent waiting for its next batch (0 when the
   * data is always ready: loading is off the critical path).
   */
  dataWaitFraction?: number;
}

/** After an evaluation. */
export interface EvalEvent {
  step: number;
  metrics: Record<string, number>;
  seconds: number;
}

/** After a checkpoint is written. */
export interface CheckpointEvent {
  step: number;
  path: string;
  seconds: number;
  bytes: number;
}

/** How a run ended. */
export type TrainingStatus =
  | "completed"
  | "already_finished"
  | "aborted"
  | "data_exhausted"
  | "early_stopped"
  | "time_limit"
  | "failed";

/** When the run ends, also on failure (then `error` is set) so writers can flush. */
export interface EndEvent {
  status: TrainingStatus;
  step: number;
  walltimeS: number;
  lastCheckpoint: string | undefined;
  error?: unknown;
}

/**
 * Hooks for progress bars, metric files and TensorBoard writers. Each may be async; the loop
 * awaits it before going on.
 */
export interface TrainingCallbacks {
  onStep?(event: StepEvent): void | Promise<void>;
  onLog?(event: LogEvent): void | Promise<void>;
  onEval?(event: EvalEvent): void | Promise<void>;
  onCheckpoint?(event: CheckpointEvent): void | Promise<void>;
  onEnd?(event: EndEvent): void | Promise<void>;
}
