import { DataError } from "../errors/index.js";
import type { BinaryBatch, NumericArray, ScalarMetric } from "./metric.js";

/** A B×T batch of all tasks at once, row-major (`[b * T + t]`). */
export interface MultiTaskBatch {
  predictions: NumericArray;
  labels: NumericArray;
  weights?: NumericArray;
  /** Per-example discrete features (length B each), passed to every task's metrics. */
  stratifiers?: Readonly<Record<string, NumericArray>>;
}

/** Options of `MultiTaskMetrics`. */
export interface MultiTaskMetricsOptions {
  /** Task names in column order (T). */
  taskNames: readonly string[];
  /** Metric factories by metric name; each task gets its own instance. */
  metrics: Readonly<Record<string, () => ScalarMetric>>;
}

function column(values: NumericArray, task: number, taskCount: number, rows: number): Float64Array {
  const out = new Float64Array(rows);
  for (let b = 0; b < rows; b++) out[b] = values[b * taskCount + task]!;
  return out;
}

/**
 * A collection of scalar metrics per task (AUROC, RCE… for each engagement), fed B×T batches and
 * reporting `{ "<metric>/<task>": value }`.
 */
export class MultiTaskMetrics {
  readonly taskNames: readonly string[];
  private readonly entries: { key: string; task: number; metric: ScalarMetric; state: unknown }[];

  constructor(options: MultiTaskMetricsOptions) {
    this.taskNames = options.taskNames;
    this.entries = [];
    for (const [name, factory] of Object.entries(options.metrics)) {
      options.taskNames.forEach((task, index) => {
        const metric = factory();
        this.entries.push({ key: `${name}/${task}`, task: index, metric, state: metric.init() });
      });
    }
  }

  /** Adds a B×T batch; throws `DataError` when the arrays are not B×T. */
  update(batch: MultiTaskBatch): void {
    const taskCount = this.taskNames.length;
    const size = batch.predictions.length;
    if (size % taskCount !== 0) {
      throw new DataError(`${size} predictions are not a multiple of ${taskCount} tasks.`);
    }
    const rows = size / taskCount;
    for (const [name, values] of [
      ["labels", batch.labels],
      ["weights", batch.weights],
    ] as const) {
      if (values !== undefined && values.length !== size) {
        throw new DataError(`${name} has ${values.length} entries, predictions ${size} (B×T).`);
      }
    }
    const perTask: BinaryBatch[] = this.taskNames.map((_, t) => ({
      predictions: column(batch.predictions, t, taskCount, rows),
      labels: column(batch.labels, t, taskCount, rows),
      ...(batch.weights ? { weights: column(batch.weights, t, taskCount, rows) } : {}),
      ...(batch.stratifiers ? { stratifiers: batch.stratifiers } : {}),
    }));
    for (const entry of this.entries) {
      entry.state = entry.metric.update(entry.state, perTask[entry.task]!);
    }
  }

  /** Every metric of every task, keyed `<metric>/<task>`. */
  compute(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const entry of this.entries) result[entry.key] = entry.metric.compute(entry.state);
    return result;
  }

  /** Clears every state (between evaluations). */
  reset(): void {
    for (const entry of this.entries) entry.state = entry.metric.init();
  }
}
