import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { TrainingCallbacks } from "@tml/core";
import { DataError, writeFileAtomic } from "@tml/core";

/** One line of a run's `metrics.jsonl`. */
export type MetricsRecord =
  | {
      kind: "train";
      /** Completed training steps. */
      step: number;
      /** Mean batch loss since the previous record. */
      loss: number;
      examples_per_second: number;
      /** Share of the time the loop waited for its next batch (data loading on the critical path). */
      data_wait_fraction?: number;
      /** Active training seconds since the run began (across resumes). */
      walltime_s: number;
      /** Means of the steps' extra metrics (learning rates, per-task losses). */
      metrics: Record<string, number>;
      /** The task's weight statistics at this step (layer and embedding-table norms), if any. */
      weights?: Record<string, number>;
    }
  | { kind: "eval"; step: number; seconds: number; metrics: Record<string, number> };

/** Reads `metrics.jsonl` (missing file: no records). A malformed line is a DataError naming it. */
export function readMetricsLog(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const records: MetricsRecord[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      // A run killed mid-append can leave a partial last line; anything earlier is corruption.
      if (index === lines.length - 1 || lines.slice(index + 1).every((rest) => rest === "")) return;
      throw new DataError(`${path}:${index + 1} is not a JSON line: ${(error as Error).message}`, {
        cause: error,
        details: { file: path, line: index + 1 },
      });
    }
    const kind = (record as { kind?: unknown }).kind;
    if (kind !== "train" && kind !== "eval") {
      throw new DataError(
        `${path}:${index + 1} has kind ${JSON.stringify(kind)}; expected train or eval`,
        {
          details: { file: path, line: index + 1 },
        },
      );
    }
    records.push(record as MetricsRecord);
  });
  return records;
}

/**
 * Drops records after `step` (written after the checkpoint a resumed run restarts from), so the
 * log of a resumed run reads like that of an uninterrupted one. Rewrites the file atomically.
 */
export function truncateMetricsLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readMetricsLog(path).filter((record) => record.step <= step);
  writeFileAtomic(path, kept.map((record) => `${JSON.stringify(record)}\n`).join(""));
}

/** Appends one record as a JSON line (flushed immediately; a kill loses at most that line). */
export function appendMetricsRecord(path: string, record: MetricsRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(record)}\n`);
}

/** Training-loop callbacks that append every log line and evaluation to `path` as JSON lines. */
export function metricsLogCallbacks(path: string): TrainingCallbacks {
  return {
    onLog(event) {
      appendMetricsRecord(path, {
        kind: "train",
        step: event.step,
        loss: event.loss,
        examples_per_second: event.examplesPerSecond,
        ...(event.dataWaitFraction === undefined
          ? {}
          : { data_wait_fraction: event.dataWaitFraction }),
        walltime_s: event.walltimeS,
        metrics: event.metrics,
        ...(event.weights ? { weights: event.weights } : {}),
      });
    },
    onEval(event) {
      appendMetricsRecord(path, {
        kind: "eval",
        step: event.step,
        seconds: event.seconds,
        metrics: event.metrics,
      });
    },
  };
}
