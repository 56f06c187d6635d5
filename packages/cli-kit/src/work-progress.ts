import { formatProgressLine } from "@tml/reports";
import type { CliIo } from "./cli-io.js";

/** Options of `workProgress`. */
export interface WorkProgressOptions {
  /** Shown first on every line (`twhin evaluation`). */
  label: string;
  /** What is counted, for the rate (`queries`). */
  unit: string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/**
 * A `(done, total)` callback that shows the progress of a long computation on stderr: on a
 * terminal one line redrawn in place at most every 200 ms (bar, count, rate, ETA); elsewhere one
 * plain line at each further tenth of the work, so CI logs stay short.
 */
export function workProgress(
  io: CliIo,
  options: WorkProgressOptions,
): (done: number, total: number) => void {
  const now = options.now ?? (() => performance.now());
  const began = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = 0;
  return (done, total) => {
    const time = now();
    const seconds = (time - began) / 1000;
    const rate = seconds > 0 ? done / seconds : undefined;
    const text = formatProgressLine(
      {
        label: options.label,
        step: done,
        totalSteps: total,
        loss: undefined,
        examplesPerSecond: undefined,
        etaSeconds: rate ? (total - done) / rate : undefined,
        evalMetrics: rate === undefined ? {} : { [`${options.unit}/s`]: rate },
      },
      io.isTTY ? 24 : 0,
    );
    const finished = done >= total;
    if (io.isTTY) {
      if (!finished && time - lastDraw < 200) return;
      lastDraw = time;
      const width = Math.max(40, (io.columns ?? 100) - 1);
      io.stderr(`\r${text.slice(0, width).padEnd(width)}${finished ? "\n" : ""}`);
      return;
    }
    const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
    if (tenth <= lastTenth) return;
    lastTenth = tenth;
    io.stderr(`${text}\n`);
  };
}
