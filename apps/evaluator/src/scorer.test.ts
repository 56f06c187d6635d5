import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  capture,
  FIXTURES,
  trainTinyRun,
  withDcnBackbone,
  writeTinyRankerData,
} from "@tml/cli-kit/testing";
import { OrtRuntime, OrtSession } from "@tml/engine";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./cli.js";

// `hidden.ort` makes onnxruntime-node look absent to the evaluator (as on a machine without it).
const hidden = vi.hoisted(() => ({ ort: false }));
vi.mock("@tml/engine", async (importOriginal) => {
  const core = await importOriginal<typeof import("@tml/engine")>();
  return {
    ...core,
    loadOrtRuntime: (threads?: number) =>
      hidden.ort
        ? { ok: false, reason: "Cannot find module 'onnxruntime-node'" }
        : core.loadOrtRuntime(threads),
  };
});

// tfjs's engine is one global per process: heavy-ranker's copy reports every tensor the app made.
const tfjsCore = createRequire(join(FIXTURES, "../../heavy-ranker/package.json"));
const tf = (await import(tfjsCore.resolve("@tensorflow/tfjs-core"))) as {
  memory(): { numTensors: number };
};

interface MetricsJson {
  scorer: string;
  onnxruntime: string | null;
  tasks: { task: string; examples: number; auroc: number; rce: number; pr_auc: number }[];
}
interface RankingJson {
  scorer: string;
  ranked: { index: number; score: number }[];
}

let data: string;
let run: string;
let dcnRun: string;

async function evaluate(scorer: string | undefined, out: string) {
  const cli = capture();
  const argv = [
    "heavy-ranker",
    "--checkpoint",
    run,
    "--data",
    join(data, "validation", "*.parquet"),
  ];
  const code = await main([...argv, "--out", out, ...(scorer ? ["--scorer", scorer] : [])], cli.io);
  expect(cli.err()).toBe("");
  expect(code).toBe(0);
  return {
    stdout: cli.out(),
    metrics: JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as MetricsJson,
    html: readFileSync(join(out, "report.html"), "utf8"),
  };
}

async function rank(scorer: string | undefined, out: string) {
  const cli = capture();
  const candidates = join(data, "validation", "part-00001.parquet");
  const argv = ["rank", "--checkpoint", run, "--candidates", candidates, "--out", out];
  const code = await main([...argv, ...(scorer ? ["--scorer", scorer] : [])], cli.io);
  expect(cli.err()).toBe("");
  expect(code).toBe(0);
  return {
    stdout: cli.out(),
    ranking: JSON.parse(readFileSync(join(out, "ranking.json"), "utf8")) as RankingJson,
  };
}

describe("evaluator --scorer", () => {
  beforeAll(async () => {
    data = await writeTinyRankerData();
    const root = mkdtempSync(join(tmpdir(), "tml-scorer-"));
    run = await trainTinyRun(data, join(root, "run"));
    // The same tiny ranker with a DCN-v2 backbone, which the ONNX compiler does not cover.
    dcnRun = await trainTinyRun(data, join(root, "dcn"), 4, withDcnBackbone);
  });
  afterEach(() => {
    hidden.ort = false;
    vi.restoreAllMocks();
  });

  it("heavy-ranker: onnx-fp32 gives tfjs's metrics, onnx-int8 close ones; the scorer is recorded and freed", async () => {
    const loads = vi.spyOn(OrtRuntime.prototype, "load");
    const frees = vi.spyOn(OrtSession.prototype, "dispose");
    const tfjs = await evaluate(undefined, join(run, "eval-tfjs"));
    expect(loads).not.toHaveBeenCalled();
    const tensors = tf.memory().numTensors;
    const fp32 = await evaluate("onnx-fp32", join(run, "eval-fp32"));
    const int8 = await evaluate("onnx-int8", join(run, "eval-int8"));
    expect(tf.memory().numTensors).toBe(tensors);
    // One model session per ONNX run, each freed after scoring.
    expect(loads).toHaveBeenCalledTimes(2);
    expect(frees).toHaveBeenCalledTimes(2);

    expect(tfjs.metrics.scorer).toBe("tfjs");
    expect(tfjs.metrics.onnxruntime).toBeNull();
    expect(tfjs.stdout).toMatch(/Heavy Ranker at step 12 \(.*\), scored by tfjs\n/);
    expect(tfjs.html).toMatch(/256 rows scored by tfjs/);
    expect(fp32.metrics.scorer).toBe("onnx-fp32");
    expect(fp32.metrics.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    expect(fp32.stdout).toMatch(/scored by ONNX fp32 \(onnxruntime-node\)/);
    expect(fp32.html).toMatch(/256 rows scored by ONNX fp32 \(onnxruntime-node \d+\.\d+\.\d+\)/);
    expect(int8.metrics.scorer).toBe("onnx-int8");
    expect(int8.stdout).toMatch(/scored by ONNX int8/);

    expect(tfjs.metrics.tasks.length).toBe(2);
    // int8 really ran: its quantised products move the scores, so some metric differs from fp32.
    expect(int8.metrics.tasks.some((task, t) => task.auroc !== fp32.metrics.tasks[t]?.auroc)).toBe(
      true,
    );
    tfjs.metrics.tasks.forEach((reference, t) => {
      const same = fp32.metrics.tasks[t] as MetricsJson["tasks"][number];
      const close = int8.metrics.tasks[t] as MetricsJson["tasks"][number];
      expect([same.task, same.examples, close.examples]).toEqual([reference.task, 256, 256]);
      expect(Math.abs(same.auroc - reference.auroc)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(same.pr_auc - reference.pr_auc)).toBeLessThanOrEqual(1e-5);
      // RCE is in percent.
      expect(Math.abs(same.rce - reference.rce)).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(close.auroc - reference.auroc)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(close.rce - reference.rce)).toBeLessThanOrEqual(1);
    });
  });

  it("rank: onnx-fp32 ranks as tfjs does, with the same scores", async () => {
    const tfjs = await rank("tfjs", join(run, "rank-tfjs"));
    const fp32 = await rank("onnx-fp32", join(run, "rank-fp32"));
    expect(tfjs.ranking.scorer).toBe("tfjs");
    expect(fp32.ranking.scorer).toBe("onnx-fp32");
    expect(fp32.stdout).toMatch(/256 candidates ranked \(checkpoint step 12, scored by ONNX fp32/);
    const byIndex = new Map(tfjs.ranking.ranked.map((row) => [row.index, row.score]));
    expect(fp32.ranking.ranked.length).toBe(256);
    for (const row of fp32.ranking.ranked) {
      const reference = byIndex.get(row.index) as number;
      expect(Math.abs(row.score - reference)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(reference)));
    }
  });

  it("a DCN model, a missing onnxruntime or an unknown scorer: one typed error line, its exit code, nothing written", async () => {
    const validation = join(data, "validation", "*.parquet");
    const cases: [string[], number, RegExp][] = [
      [
        ["heavy-ranker", "--checkpoint", dcnRun, "--data", validation, "--scorer", "onnx-fp32"],
        2,
        /--scorer onnx-fp32: .*dcn_config.*score this model with --scorer tfjs/,
      ],
      [
        ["heavy-ranker", "--checkpoint", run, "--scorer", "onnx-16"],
        2,
        /--scorer must be one of tfjs, onnx-fp32, onnx-int8, got "onnx-16"/,
      ],
    ];
    for (const [argv, expected, message] of cases) {
      const cli = capture();
      const out = join(mkdtempSync(join(tmpdir(), "tml-scorer-out-")), "x");
      expect(await main([...argv, "--out", out], cli.io), argv.join(" ")).toBe(expected);
      expect(cli.err()).toMatch(message);
      expect(cli.err().trim().split("\n").length).toBe(1);
      expect(cli.out()).toBe("");
      expect(existsSync(out)).toBe(false);
    }

    hidden.ort = true;
    const candidates = join(data, "validation", "part-00001.parquet");
    for (const argv of [
      ["heavy-ranker", "--checkpoint", run, "--data", validation, "--scorer", "onnx-int8"],
      ["rank", "--checkpoint", run, "--candidates", candidates, "--scorer", "onnx-fp32"],
    ]) {
      const cli = capture();
      const out = join(mkdtempSync(join(tmpdir(), "tml-scorer-out-")), "x");
      expect(await main([...argv, "--out", out], cli.io), argv.join(" ")).toBe(7);
      expect(cli.err()).toMatch(
        /--scorer onnx-(int8|fp32): onnxruntime-node cannot be loaded \(Cannot find module 'onnxruntime-node'\).*--scorer tfjs/,
      );
      expect(cli.err().trim().split("\n").length).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
    // Without --scorer the tfjs model scores as before, onnxruntime or not.
    const fallback = await evaluate(undefined, join(run, "eval-no-ort"));
    expect(fallback.metrics.scorer).toBe("tfjs");
  });
});
