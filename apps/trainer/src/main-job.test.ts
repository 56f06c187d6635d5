import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture } from "@tml/cli-kit/testing";
import { iterateTfRecords } from "@tml/data-io";
import { readMetricsLog } from "@tml/reports";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

// The main job at toy sizes: every stage runs, in seconds.
const TINY = [
  "--max-steps",
  "8",
  "--device",
  "cpu",
  "--set",
  "data.users=200",
  "--set",
  "data.tweets=100",
  "--set",
  "data.edges=3000",
  "--set",
  "data.communities=4",
  "--set",
  "data.ranker_rows=1000",
  "--set",
  "data.validation_rows=1000",
  "--set",
  "data.timeline_candidates=20",
  "--set",
  "twhin.training.eval_every_n=4",
  "--set",
  "heavy_ranker.validation_data.validation.global_batch_size=500",
];

describe("trainer main job", () => {
  it("runs every stage, prints where everything went, and --resume reuses finished stages", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tml-main-")), "run");
    const first = capture();
    expect(await main(["--out", out, ...TINY], first.io)).toBe(0);
    const text = first.out();
    expect(text).toMatch(/TwHIN link prediction/);
    expect(text).toMatch(/^all\s+0\.\d{4}/m);
    expect(text).toMatch(/Heavy Ranker \(validation\)/);
    expect(text).toMatch(/recap\.engagement\.is_replied\s+1000\s/);
    expect(text).toMatch(/Sample timeline, top 5 of 20/);
    expect(text).toContain(join(out, "report", "report.html"));
    expect(text).toContain(`evaluator explore --run ${out}`);
    for (const path of [
      "run.json",
      "config.yaml",
      "data/graph/graph.json",
      "data/ranker/train/generator.json",
      "data/ranker/timeline/candidates.parquet",
      "twhin/checkpoints/8",
      "twhin/metrics.jsonl",
      "twhin/export",
      "heavy-ranker/checkpoints/8",
      "heavy-ranker/model.safetensors",
      "heavy-ranker/evaluation/metrics.json",
      "heavy-ranker/ranking/ranking.json",
      "report/report.html",
      "report/metrics.json",
    ])
      expect(existsSync(join(out, path)), path).toBe(true);
    expect(readdirSync(join(out, "twhin", "export")).some((f) => f.endsWith(".parquet"))).toBe(
      true,
    );
    const metrics = JSON.parse(readFileSync(join(out, "report", "metrics.json"), "utf8"));
    expect(metrics.twhin.overall.mrr).toBeGreaterThan(0);
    expect(metrics.heavy_ranker.tasks).toHaveLength(5);
    expect(metrics.timeline).toHaveLength(10);
    const html = readFileSync(join(out, "report", "report.html"), "utf8");
    expect((html.match(/<figure/g) ?? []).length).toBeGreaterThan(15);
    expect(readMetricsLog(join(out, "twhin", "metrics.jsonl")).some((r) => r.kind === "eval")).toBe(
      true,
    );

    // TensorBoard files: CRC-checked TFRecord frames (data-io's reader), file_version event first.
    const events = join(out, "heavy-ranker", "events", "heavy-ranker");
    const [file] = readdirSync(events);
    const records: Uint8Array[] = [];
    for await (const record of iterateTfRecords(join(events, file as string))) records.push(record);
    expect(new TextDecoder().decode(records[0])).toContain("brain.Event:2");
    expect(records.length).toBeGreaterThan(4);

    const weights = readFileSync(join(out, "heavy-ranker", "model.safetensors"));
    // --resume on a finished run: nothing retrained, same results.
    const resumed = capture();
    expect(await main(["--out", out, ...TINY, "--resume"], resumed.io)).toBe(0);
    expect(resumed.err()).toMatch(/resuming the main job/);
    expect(resumed.err()).not.toMatch(/^graph: /m);
    expect(readdirSync(join(out, "heavy-ranker", "checkpoints"))).toEqual(["8"]);
    expect(resumed.out()).toMatch(/Sample timeline, top 5 of 20/);
    expect(resumed.err()).toMatch(/heavy-ranker: already trained to step 8; reusing it/);
    expect(readFileSync(join(out, "heavy-ranker", "model.safetensors")).equals(weights)).toBe(true);
    const again = JSON.parse(readFileSync(join(out, "report", "metrics.json"), "utf8"));
    expect(again.twhin.overall).toEqual(metrics.twhin.overall);
    expect(again.heavy_ranker.tasks).toEqual(metrics.heavy_ranker.tasks);
  }, 180_000);
});
