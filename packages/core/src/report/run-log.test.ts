import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TmlError } from "../errors/index.js";
import {
  appendMetricsRecord,
  metricsLogCallbacks,
  readMetricsLog,
  truncateMetricsLog,
} from "./metrics-log.js";
import {
  formatDuration,
  formatProgressLine,
  progressCallbacks,
  shownMetrics,
} from "./progress-bar.js";
import { prepareRunDirectory } from "./run-directory.js";

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

describe("progress", () => {
  it("formats durations", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(61.4)).toBe("1:01");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(undefined)).toBe("--:--");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("--:--");
  });

  it("formats a line with bar, loss, throughput, ETA and eval metrics", () => {
    const line = formatProgressLine(
      {
        label: "twhin",
        step: 30,
        totalSteps: 120,
        loss: 0.41234,
        examplesPerSecond: 12345.6,
        etaSeconds: 75,
        evalMetrics: { mrr: 0.25 },
      },
      8,
    );
    expect(line).toBe("twhin [##......] 30/120 25% loss 0.4123 12,346 ex/s eta 1:15 | mrr 0.2500");
  });

  it("prints plain lines when not on a terminal", async () => {
    const lines: string[] = [];
    const callbacks = progressCallbacks({
      label: "hr",
      totalSteps: 4,
      stream: { write: (text) => lines.push(text), isTTY: false },
    });
    await callbacks.onStep?.({ step: 1, loss: 1, examples: 8, metrics: {}, walltimeS: 1 });
    await callbacks.onLog?.({
      step: 2,
      loss: 0.5,
      stepsPerSecond: 1,
      examplesPerSecond: 8,
      walltimeS: 2,
      metrics: {},
    });
    await callbacks.onEval?.({ step: 2, metrics: { auroc: 0.75 }, seconds: 0.5 });
    await callbacks.onEnd?.({ status: "completed", step: 4, walltimeS: 4, lastCheckpoint: "x" });
    expect(lines).toEqual([
      "hr 2/4 50% loss 0.5000 8 ex/s eta 0:02\n",
      "hr eval at step 2 (0.5s): auroc=0.7500\n",
      "hr completed at step 4 (0:04 training)\n",
    ]);
  });

  it("redraws one line in place on a terminal, throttled", async () => {
    const writes: string[] = [];
    let clock = 0;
    const callbacks = progressCallbacks({
      label: "t",
      totalSteps: 3,
      stream: { write: (text) => writes.push(text), isTTY: true, columns: 100 },
      now: () => clock,
    });
    await callbacks.onStep?.({ step: 1, loss: 1, examples: 4, metrics: {}, walltimeS: 1 });
    clock = 10; // within the redraw interval: no redraw
    await callbacks.onStep?.({ step: 2, loss: 1, examples: 4, metrics: {}, walltimeS: 2 });
    await callbacks.onStep?.({ step: 3, loss: 1, examples: 4, metrics: {}, walltimeS: 3 });
    await callbacks.onEnd?.({ status: "completed", step: 3, walltimeS: 3, lastCheckpoint: "x" });
    const redraws = writes.filter((text) => text.startsWith("\r"));
    expect(redraws.length).toBe(3); // step 1, final step 3 (forced), end
    expect(redraws.every((text) => text.length === 100)).toBe(true);
    expect(redraws[1]).toContain("3/3 100% loss 1.0000 4 ex/s eta 0:00");
    expect(writes.at(-1)).toBe("t completed at step 3 (0:03 training)\n");
  });
});

describe("run directory", () => {
  it("starts fresh twice, resumes with resume, and never clobbers a foreign directory", () => {
    const root = join(scratch(), "run");
    const first = prepareRunDirectory(root, { kind: "twhin", resume: false });
    expect(first.resumed).toBe(false);
    writeFileSync(join(root, "metrics.jsonl"), "x\n");
    const resumed = prepareRunDirectory(root, { kind: "twhin", resume: true });
    expect(resumed.resumed).toBe(true);
    expect(existsSync(join(root, "metrics.jsonl"))).toBe(true);
    const fresh = prepareRunDirectory(root, { kind: "twhin", resume: false });
    expect(fresh.resumed).toBe(false);
    expect(existsSync(join(root, "metrics.jsonl"))).toBe(false);
    expect(existsSync(fresh.markerFile)).toBe(true);

    let error: unknown;
    try {
      prepareRunDirectory(root, { kind: "heavy-ranker", resume: true });
    } catch (caught) {
      error = caught;
    }
    expect(TmlError.isInstance(error, "CHECKPOINT")).toBe(true);

    const foreign = join(scratch(), "home");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "thesis.tex"), "precious");
    expect(() => prepareRunDirectory(foreign, { kind: "twhin", resume: false })).toThrow(
      /refusing to overwrite/,
    );
    expect(readFileSync(join(foreign, "thesis.tex"), "utf8")).toBe("precious");
  });
});

describe("shown metrics", () => {
  it("drop rates and counts, shorten task names, keep the first few", () => {
    expect(
      shownMetrics(
        {
          "auroc/recap.engagement.is_favorited": 0.8,
          "ctr/recap.engagement.is_favorited": 0.1,
          "rce/recap.engagement.is_favorited": 12,
          eval_examples: 100,
          mrr: 0.3,
          "calibration/x": 1,
        },
        2,
      ),
    ).toEqual({ "auroc/is_favorited": 0.8, "rce/is_favorited": 12 });
  });
});
