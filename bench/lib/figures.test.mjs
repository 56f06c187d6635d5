// node --test bench/lib: the report arithmetic, by hand-computed values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  achievedGflops,
  fastestSetting,
  higherIsBetter,
  isKnownUnit,
  measuredPeaks,
  median,
  timesFaster,
} from "./figures.mjs";
import { markdown } from "./markdown.mjs";

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe("units", () => {
  it("throughputs are better higher, times lower", () => {
    assert.equal(higherIsBetter("samples/s"), true);
    assert.equal(higherIsBetter("GFLOP/s"), true);
    assert.equal(higherIsBetter("ms/step"), false);
    assert.equal(isKnownUnit("s"), true);
    assert.equal(isKnownUnit("edges"), false);
  });

  it("timesFaster is > 1 when the first figure is better, in either direction", () => {
    assert.equal(timesFaster(300, 100, "edges/s"), 3);
    assert.equal(timesFaster(10, 40, "ms/step"), 4);
    assert.equal(timesFaster(40, 10, "s"), 0.25);
  });
});

describe("achievedGflops", () => {
  it("a GFLOP/s figure is its own", () => {
    assert.equal(achievedGflops(95, "GFLOP/s"), 95);
  });

  it("time units divide the GFLOP of one run by its time", () => {
    // 2048³ · 2 = 17.18 GFLOP in 200 ms
    assert.ok(Math.abs(achievedGflops(200, "ms", { gflopsPerRun: 17.18 }) - 85.9) < 1e-9);
    assert.ok(Math.abs(achievedGflops(20, "s", { gflopsPerRun: 511 }) - 25.55) < 1e-9);
  });

  it("throughputs multiply by the FLOP per item (local_prod training: 288,431,616 per sample)", () => {
    assert.ok(
      Math.abs(achievedGflops(300, "samples/s", { flopsPerItem: 288_431_616 }) - 86.53) < 0.01,
    );
    assert.equal(achievedGflops(50, "queries/s", { flopsPerItem: 4e8 }), 20);
  });

  it("is undefined when the arithmetic is unknown", () => {
    assert.equal(achievedGflops(3e5, "edges/s"), undefined);
    assert.equal(achievedGflops(12, "ms/step"), undefined);
  });
});

describe("fastestSetting", () => {
  it("picks the highest throughput and the lowest time", () => {
    const throughput = { threads1: 260, default: 300, nproc: 280 };
    assert.deepEqual(fastestSetting(throughput, "samples/s"), { setting: "default", value: 300 });
    const time = { threads1: 5.6, default: 4.9, nproc: 7.1 };
    assert.deepEqual(fastestSetting(time, "s"), { setting: "default", value: 4.9 });
  });

  it("keeps the first of equal figures and ignores missing ones", () => {
    assert.deepEqual(fastestSetting({ threads1: 1, default: 1, nproc: Number.NaN }, "x/s"), {
      setting: "threads1",
      value: 1,
    });
    assert.equal(fastestSetting({}, "x/s"), undefined);
  });
});

describe("measuredPeaks", () => {
  const reference = { threads1: 95, default: 120, nproc: 118 };
  const sgemm = { value: 110, engine: "ort", engineThreads: 2, referenceSettings: reference };
  const sgemmOneThread = {
    value: 100,
    engine: "ort",
    engineThreads: 1,
    referenceSettings: reference,
  };

  it("the machine peak is the fastest sgemm in any setting, the one-thread peak on one thread", () => {
    const peaks = measuredPeaks([sgemm, sgemmOneThread]);
    assert.deepEqual(peaks.machine, { gflops: 120, source: "OpenBLAS through PyTorch (default)" });
    assert.deepEqual(peaks.oneThread, { gflops: 100, source: "ort, 1 thread" });
  });

  it("takes the best repeat of each roofline figure, not its median, over every variant", () => {
    const peaks = measuredPeaks([
      { ...sgemm, value: 104, values: [98, 104, 131], referenceBestSettings: { nproc: 125 } },
      { value: 120, values: [120, 126], engine: "openblas", engineThreads: 1 },
    ]);
    assert.deepEqual(peaks.machine, { gflops: 131, source: "ort, 2 threads" });
    assert.deepEqual(peaks.oneThread, { gflops: 126, source: "openblas, 1 thread" });
  });

  it("works without the reference or without the roofline rows", () => {
    const alone = measuredPeaks([{ value: 110, engine: "ort", engineThreads: 2 }]);
    assert.deepEqual(alone.machine, { gflops: 110, source: "ort, 2 threads" });
    assert.equal(alone.oneThread, undefined);
    assert.deepEqual(measuredPeaks([]), { machine: undefined, oneThread: undefined });
  });
});

describe("markdown", () => {
  it("pairs each case with its @threads1 row and lists every reference setting", () => {
    const text = markdown({
      date: "2026-12-07T00:00:00.000Z",
      machine: {
        cpu: "cpu",
        cores: 2,
        nproc: 2,
        node: "v20",
        platform: "linux x64",
        loadAverage: "1",
        loadAverageAtEnd: "1",
        commit: "abc",
      },
      backend: "wasm+onnxruntime",
      peaks: { machine: { gflops: 120, source: "s" }, oneThread: { gflops: 100, source: "t" } },
      reference: {
        available: true,
        torch: "1.13",
        python: "/usr/bin/python3",
        blas: "openblas",
        settings: [{ name: "threads1", torchThreads: 1, blasThreads: 1 }],
      },
      notes: "notes",
      cases: [
        {
          name: "a_samples_per_s",
          unit: "samples/s",
          value: 300,
          engineThreads: 2,
          scaling: 1.5,
          gflops: 86.5,
          peakPercent: 72.1,
          reference: 280,
          referenceSetting: "default",
          ratio: 1.07,
          referenceSettings: { threads1: 250, default: 280 },
        },
        {
          name: "a_samples_per_s@threads1",
          unit: "samples/s",
          value: 200,
          engineThreads: 1,
          ratio: 0.8,
        },
        { name: "b", unit: "s", skipped: "data absent" },
      ],
    });
    assert.match(
      text,
      /\| a_samples_per_s \| samples\/s \| 300\.0 \(2 thr\) \| 200\.0 \| 1\.50 \| 86\.5 \| 72% \| 280\.0 \| default \| 1\.07 \| 0\.800 \|/,
    );
    assert.match(text, /\| b \| s \| skipped: data absent \|/);
    assert.match(
      text,
      /\| a_samples_per_s \| samples\/s \| 250\.0 \| 280\.0 \| {2}\| {2}\| default \|/,
    );
    assert.doesNotMatch(text, /\| a_samples_per_s@threads1 \|/);
  });
});
