import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendMetricsRecord,
  metricsLogCallbacks,
  readMetricsLog,
  truncateMetricsLog,
} from "./metrics-log.js";

const scratch = () => mkdtempSync(join(tmpdir(), "tml-run-"));

describe("metrics log", () => {
  it("appends train and eval records and reads them back", async () => {
    const path = join(scratch(), "m", "metrics.jsonl");
    const callbacks = metricsLogCallbacks(path);
    await callbacks.onLog?.({
      step: 5,
      loss: 0.5,
      stepsPerSecond: 2,
      examplesPerSecond: 64,
      walltimeS: 2.5,
      metrics: { "lr/all": 0.01 },
      weights: { "model/norm/w": 3 },
    });
    await callbacks.onEval?.({ step: 5, metrics: { auroc: 0.7 }, seconds: 0.1 });
    expect(readMetricsLog(path)).toEqual([
      {
        kind: "train",
        step: 5,
        loss: 0.5,
        examples_per_second: 64,
        walltime_s: 2.5,
        metrics: { "lr/all": 0.01 },
        weights: { "model/norm/w": 3 },
      },
      { kind: "eval", step: 5, seconds: 0.1, metrics: { auroc: 0.7 } },
    ]);
  });

  it("truncates records after a resume step and tolerates a torn last line", () => {
    const path = join(scratch(), "metrics.jsonl");
    for (const step of [1, 2, 3, 4])
      appendMetricsRecord(path, { kind: "eval", step, seconds: 0, metrics: { x: step } });
    appendFileSync(path, '{"kind":"ev');
    expect(readMetricsLog(path).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    truncateMetricsLog(path, 2);
    expect(readMetricsLog(path).map((r) => r.step)).toEqual([1, 2]);
  });

  it("rejects a corrupt line in the middle with its line number", () => {
    const path = join(scratch(), "metrics.jsonl");
    writeFileSync(path, 'nope\n{"kind":"eval","step":1,"seconds":0,"metrics":{}}\n');
    expect(() => readMetricsLog(path)).toThrow(/metrics.jsonl:1/);
  });
});
