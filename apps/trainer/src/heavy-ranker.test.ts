import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, FIXTURES, writeTinyRankerData } from "@tml/cli-kit/testing";
import { readMetricsLog } from "@tml/reports";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const config = join(FIXTURES, "tiny-heavy-ranker.yaml");

describe("trainer heavy-ranker", () => {
  beforeAll(async () => {
    process.env.TML_TINY_DATA = await writeTinyRankerData();
  });

  it("trains into a run directory; a resumed run ends with the same weights as a straight one", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "tml-trainer-hr-"));
    const straight = join(scratch, "straight");
    const split = join(scratch, "split");
    const first = capture();
    expect(
      await main(
        ["heavy-ranker", "--config", config, "--out", straight, "--device", "cpu"],
        first.io,
      ),
    ).toBe(0);
    expect(first.out()).toContain("heavy-ranker completed at step 12");
    for (const name of [
      "run.json",
      "config.yaml",
      "metrics.jsonl",
      "model.safetensors",
      "checkpoints/12",
    ])
      expect(existsSync(join(straight, name))).toBe(true);
    const records = readMetricsLog(join(straight, "metrics.jsonl"));
    expect(records.filter((r) => r.kind === "train").map((r) => r.step)).toEqual([
      2, 4, 6, 8, 10, 12,
    ]);
    expect(records.some((r) => r.kind === "eval" && r.step === 12)).toBe(true);

    const part = capture();
    expect(
      await main(
        ["heavy-ranker", "--config", config, "--out", split, "--max-steps", "8", "--device", "cpu"],
        part.io,
      ),
    ).toBe(0);
    const rest = capture();
    expect(
      await main(
        ["heavy-ranker", "--config", config, "--out", split, "--resume", "--device", "cpu"],
        rest.io,
      ),
    ).toBe(0);
    expect(rest.out()).toContain("completed at step 12");
    expect(
      readFileSync(join(split, "model.safetensors")).equals(
        readFileSync(join(straight, "model.safetensors")),
      ),
    ).toBe(true);
    const resumedLog = readMetricsLog(join(split, "metrics.jsonl")).filter(
      (r) => r.kind === "train",
    );
    expect(resumedLog.map((r) => [r.step, r.loss])).toEqual(
      records.filter((r) => r.kind === "train").map((r) => [r.step, r.loss]),
    );

    // Ctrl-C at step 6: the loop stops after the step, writes a checkpoint, exits 130; --resume
    // then ends with exactly the weights of the uninterrupted run.
    const interrupted = join(scratch, "interrupted");
    const controller = new AbortController();
    const stopped = capture();
    const io = {
      ...stopped.io,
      signal: controller.signal,
      stderr: (text: string) => {
        stopped.io.stderr(text);
        if (/^heavy-ranker 6\/12/m.test(text)) controller.abort();
      },
    };
    expect(
      await main(["heavy-ranker", "--config", config, "--out", interrupted, "--device", "cpu"], io),
    ).toBe(130);
    expect(existsSync(join(interrupted, "checkpoints", "6"))).toBe(true);
    expect(existsSync(join(interrupted, "checkpoints", "12"))).toBe(false);
    const continued = capture();
    expect(
      await main(
        ["heavy-ranker", "--config", config, "--out", interrupted, "--resume", "--device", "cpu"],
        continued.io,
      ),
    ).toBe(0);
    expect(
      readFileSync(join(interrupted, "model.safetensors")).equals(
        readFileSync(join(straight, "model.safetensors")),
      ),
    ).toBe(true);
  });

  it("follows training.eval_every_n, stops early on the monitored metric and exports the best weights", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tml-trainer-hr-stop-")), "run");
    const run = capture();
    const monitor = "auroc/recap.engagement.is_favorited";
    const args = [
      "heavy-ranker",
      "--config",
      config,
      "--out",
      out,
      "--device",
      "cpu",
      "--max-steps",
      "40",
      "--set",
      "training.eval_every_n=2",
      "--set",
      `training.early_stopping={monitor: ${monitor}, patience: 1}`,
      "--set",
      `training.reduce_lr_on_plateau={monitor: ${monitor}}`,
    ];
    expect(await main(args, run.io)).toBe(0);
    const evals = readMetricsLog(join(out, "metrics.jsonl")).filter((r) => r.kind === "eval");
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    // Evaluations every 2 steps (no --eval-every); with patience 1 the run stops at the first
    // evaluation that does not beat the best, and the best one's weights are exported.
    expect(evals.map((r) => r.step)).toEqual(
      Array.from({ length: evals.length }, (_, index) => 2 * (index + 1)),
    );
    const aucs = evals.map((r) =>
      r.kind === "eval" ? (r.metrics[monitor] as number) : Number.NaN,
    );
    const bestIndex = aucs.indexOf(Math.max(...aucs));
    expect(results.status).toBe("early_stopped");
    expect(results.steps).toBe(evals.at(-1)?.step);
    expect(results.best_step).toBe(evals[bestIndex]?.step);
    expect(aucs.at(-1)).toBeLessThanOrEqual(aucs[bestIndex] as number);
    // The exported weights score exactly the best evaluation's metrics on the validation set.
    expect(results.partitions.validation[monitor]).toBeCloseTo(aucs[bestIndex] as number, 6);
    expect(results.partitions.validation["logloss/recap.engagement.is_favorited"]).toBeGreaterThan(
      0,
    );
    expect(run.out()).toContain(`best evaluation at step ${results.best_step}`);
  });
});
