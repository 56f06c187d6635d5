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
});
