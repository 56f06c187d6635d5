import type { TrainingCallbacks } from "@tml/core";

/** Where progress goes: a terminal stream (redrawn in place) or any line sink (CI logs). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of `progressCallbacks`. */
export interface ProgressOptions {
  /** Shown first on every line (`twhin`, `heavy-ranker`). */
  label: string;
  /** Step the run ends at (`num_train_steps`). */
  totalSteps: number;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Redraw one line in place (default: `stream.isTTY`); otherwise one plain line per log/eval. */
  tty?: boolean;
  /** Milliseconds between redraws on a terminal (default 100). */
  redrawMs?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** Everything one progress line shows. */
export interface ProgressState {
  label: string;
  step: number;
  totalSteps: number;
  loss: number | undefined;
  examplesPerSecond: number | undefined;
  /** Seconds left at the current pace; undefined before the pace is known. */
  etaSeconds: number | undefined;
  /** Latest evaluation metrics to show (see `shownMetrics`). */
  evalMetrics: Record<string, number>;
}

/** `h:mm:ss` or `m:ss`; `--:--` for unknown or non-finite durations. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "--:--";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude !== 0 && magnitude < 1e-3) return value.toExponential(2);
  return value.toFixed(4);
}

/**
 * One progress line: `label [#####.....] 120/400 30% loss 0.4123 1,234 ex/s eta 0:23 | auroc 0.81`.
 * `barWidth` 0 omits the bar (plain log lines).
 */
export function formatProgressLine(state: ProgressState, barWidth = 24): string {
  const fraction = state.totalSteps > 0 ? Math.min(1, state.step / state.totalSteps) : 0;
  const parts = [state.label];
  if (barWidth > 0) {
    const filled = Math.round(fraction * barWidth);
    parts.push(`[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]`);
  }
  parts.push(`${state.step}/${state.totalSteps}`, `${Math.floor(fraction * 100)}%`);
  if (state.loss !== undefined) parts.push(`loss ${formatNumber(state.loss)}`);
  if (state.examplesPerSecond !== undefined)
    parts.push(`${Math.round(state.examplesPerSecond).toLocaleString("en-US")} ex/s`);
  parts.push(`eta ${formatDuration(state.etaSeconds)}`);
  const evals = Object.entries(state.evalMetrics);
  if (evals.length > 0)
    parts.push(`| ${evals.map(([name, value]) => `${name} ${formatNumber(value)}`).join(" ")}`);
  return parts.join(" ");
}

/**
 * The evaluation metrics worth a progress line: the first `limit` ranking/quality metrics (rates,
 * counts and calibration ratios are left to the metrics log), with the `recap.engagement.` prefix
 * of task names dropped.
 */
export function shownMetrics(
  metrics: Readonly<Record<string, number>>,
  limit = 4,
): Record<string, number> {
  const entries = Object.entries(metrics).filter(
    ([name]) => !/^(ctr|pctr|calibration|eval_examples|queries|count)(\/|$)/.test(name),
  );
  return Object.fromEntries(
    entries.slice(0, limit).map(([name, value]) => [name.replace("recap.engagement.", ""), value]),
  );
}

/**
 * Training-loop callbacks that show progress: on a terminal one line redrawn in place (step, loss,
 * throughput, ETA, latest evaluation metrics), elsewhere one plain line per log interval and per
 * evaluation, so CI logs stay readable.
 */
export function progressCallbacks(options: ProgressOptions): TrainingCallbacks {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const redrawMs = options.redrawMs ?? 100;
  const state: ProgressState = {
    label: options.label,
    step: 0,
    totalSteps: options.totalSteps,
    loss: undefined,
    examplesPerSecond: undefined,
    etaSeconds: undefined,
    evalMetrics: {},
  };
  // Pace from the first step seen in this process (a resumed run starts part-way).
  let first: { step: number; walltimeS: number; examples: number } | undefined;
  let examples = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  const draw = (force: boolean) => {
    const time = now();
    if (!force && time - lastDraw < redrawMs) return;
    lastDraw = time;
    const width = Math.max(40, (stream.columns ?? 100) - 1);
    stream.write(`\r${formatProgressLine(state).slice(0, width).padEnd(width)}`);
    drawn = true;
  };
  const line = (text: string) => {
    if (tty && drawn) {
      stream.write("\n");
      drawn = false;
    }
    stream.write(`${text}\n`);
  };
  return {
    onStep(event) {
      state.step = event.step;
      state.loss = event.loss;
      examples += event.examples;
      if (!first) first = { step: event.step, walltimeS: event.walltimeS, examples };
      const seconds = event.walltimeS - first.walltimeS;
      const steps = event.step - first.step;
      if (steps > 0 && seconds > 0) {
        state.examplesPerSecond = (examples - first.examples) / seconds;
        state.etaSeconds = ((state.totalSteps - event.step) * seconds) / steps;
      }
      if (tty) draw(event.step === state.totalSteps);
    },
    onLog(event) {
      state.step = event.step;
      state.loss = event.loss;
      state.examplesPerSecond = event.examplesPerSecond;
      if (event.stepsPerSecond > 0)
        state.etaSeconds = (state.totalSteps - event.step) / event.stepsPerSecond;
      if (!tty) line(formatProgressLine(state, 0));
    },
    onEval(event) {
      state.evalMetrics = shownMetrics(event.metrics);
      const metrics = Object.entries(shownMetrics(event.metrics, 8))
        .map(([name, value]) => `${name}=${formatNumber(value)}`)
        .join(" ");
      line(
        `${options.label} eval at step ${event.step} (${event.seconds.toFixed(1)}s): ${metrics}`,
      );
      if (tty) draw(true);
    },
    onEnd(event) {
      if (tty && drawn) {
        draw(true);
        stream.write("\n");
        drawn = false;
      }
      const status = event.status.replace("_", " ");
      stream.write(
        `${options.label} ${status} at step ${event.step} (${formatDuration(event.walltimeS)} training)\n`,
      );
    },
  };
}
