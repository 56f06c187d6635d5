import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatProgressLine,
  progressCallbacks,
  shownMetrics,
} from "./progress-bar.js";

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
