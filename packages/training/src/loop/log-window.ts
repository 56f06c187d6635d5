/** Sums of the steps since the last log line, turned into means and rates at log time. */
export class LogWindow {
  private steps = 0;
  private lossSum = 0;
  private examples = 0;
  private readonly metricSums = new Map<string, { sum: number; count: number }>();
  private startMs: number;
  private pausedMs = 0;
  private dataWaitMs = 0;

  constructor(nowMs: number) {
    this.startMs = nowMs;
  }

  /** Adds one step's output. */
  add(loss: number, examples: number, metrics: Record<string, number> | undefined): void {
    this.steps++;
    this.lossSum += loss;
    this.examples += examples;
    if (metrics) {
      for (const [name, value] of Object.entries(metrics)) {
        const entry = this.metricSums.get(name) ?? { sum: 0, count: 0 };
        entry.sum += value;
        entry.count++;
        this.metricSums.set(name, entry);
      }
    }
  }

  /** Adds time the loop waited for a batch. */
  addDataWait(milliseconds: number): void {
    this.dataWaitMs += milliseconds;
  }

  /** Excludes time spent outside training steps (checkpoints, evaluation) from the rates. */
  pause(milliseconds: number): void {
    this.pausedMs += milliseconds;
  }

  /** Means and rates since the window opened; then starts a new window at `nowMs`. */
  flush(nowMs: number): {
    loss: number;
    stepsPerSecond: number;
    examplesPerSecond: number;
    /** Share of the window's (unpaused) time spent waiting for batches. */
    dataWaitFraction: number;
    metrics: Record<string, number>;
  } {
    const seconds = Math.max(nowMs - this.startMs - this.pausedMs, 1e-3) / 1000;
    const metrics: Record<string, number> = {};
    for (const [name, { sum, count }] of this.metricSums) metrics[name] = sum / count;
    const result = {
      loss: this.lossSum / this.steps,
      stepsPerSecond: this.steps / seconds,
      examplesPerSecond: this.examples / seconds,
      dataWaitFraction: Math.min(1, this.dataWaitMs / 1000 / seconds),
      metrics,
    };
    this.steps = 0;
    this.lossSum = 0;
    this.examples = 0;
    this.metricSums.clear();
    this.startMs = nowMs;
    this.pausedMs = 0;
    this.dataWaitMs = 0;
    return result;
  }
}
