import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, FIXTURES, trainTinyRun, writeTinyRankerData } from "@tml/cli-kit/testing";
import { HOME_RECAP_2022_RENAMES, readParquetFile } from "@tml/data-io";
import { saveCheckpoint } from "@tml/training";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(
  existsSync,
);

let data: string;
let run: string;

describe("evaluator", () => {
  beforeAll(async () => {
    data = await writeTinyRankerData();
    run = await trainTinyRun(data, join(mkdtempSync(join(tmpdir(), "tml-eval-")), "run"));
  });

  it("twhin on a Heavy Ranker run names the run's kind and its command (exit 6)", async () => {
    const cli = capture();
    expect(await main(["twhin", "--checkpoint", run, "--device", "cpu"], cli.io)).toBe(6);
    expect(cli.err()).toContain(
      "is a heavy-ranker run, not a twhin run; evaluate it with `evaluator heavy-ranker`",
    );
    expect(cli.err().trim().split("\n")).toHaveLength(1);
  });

  it("heavy-ranker: table, metrics.json and a report with every plot", async () => {
    const cli = capture();
    const code = await main(
      [
        "heavy-ranker",
        "--checkpoint",
        run,
        "--data",
        join(data, "validation", "*.parquet"),
        "--device",
        "cpu",
      ],
      cli.io,
    );
    expect(cli.err()).toBe("");
    expect(code).toBe(0);
    expect(cli.out()).toMatch(/Heavy Ranker at step 12/);
    expect(cli.out()).toMatch(/recap\.engagement\.is_favorited\s+256\s+0\.\d{4}/);
    const metrics = JSON.parse(readFileSync(join(run, "evaluation", "metrics.json"), "utf8"));
    expect(metrics.step).toBe(12);
    expect([metrics.rows, metrics.unscored]).toEqual([256, 0]);
    expect(metrics.tasks.map((t: { task: string }) => t.task)).toEqual([
      "recap.engagement.is_favorited",
      "recap.engagement.is_replied",
    ]);
    for (const task of metrics.tasks) {
      expect(task.examples).toBe(256);
      expect(task.auroc).toBeGreaterThan(0);
      expect(task.auroc).toBeLessThan(1);
    }
    const html = readFileSync(join(run, "evaluation", "report.html"), "utf8");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    const plots = readdirSync(join(run, "evaluation", "plots")).sort();
    expect(plots).toEqual(
      [
        "heavy-ranker-calibration.png",
        "heavy-ranker-eval-auroc.png",
        "heavy-ranker-eval-calibration.png",
        "heavy-ranker-eval-logloss.png",
        "heavy-ranker-eval-nrce.png",
        "heavy-ranker-eval-pr_auc.png",
        "heavy-ranker-eval-rce.png",
        "heavy-ranker-loss.png",
        "heavy-ranker-pr.png",
        "heavy-ranker-roc.png",
        "heavy-ranker-scores-is_favorited.png",
        "heavy-ranker-scores-is_replied.png",
      ].sort(),
    );
  });

  it("scores every row even when the batch size does not divide them", async () => {
    const out = join(run, "evaluation-100");
    const cli = capture();
    const argv = [
      "heavy-ranker",
      "--checkpoint",
      run,
      "--out",
      out,
      "--set",
      "validation_data.validation.global_batch_size=100",
    ];
    expect(await main([...argv, "--data", join(data, "validation", "*.parquet")], cli.io)).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    // 256 rows: batches of 64 (the largest divisor in [50, 100]) score all of them.
    expect([metrics.rows, metrics.unscored, metrics.tasks[0].examples]).toEqual([256, 0, 256]);
  });

  it("stratifiers: the metrics of each stratum in the table, metrics.json and the report", async () => {
    // The two most frequent values of discrete column 0 in the validation rows, with their counts.
    const folder = join(data, "validation");
    const file = readdirSync(folder).find((name) => name.endsWith(".parquet")) as string;
    const name = HOME_RECAP_2022_RENAMES.discrete;
    const column = (await readParquetFile(join(folder, file), { columns: [name] })).getChild(name);
    const counts = new Map<number, number>();
    for (let row = 0; row < (column?.length ?? 0); row++) {
      const value = Number(column?.get(row)?.get(0));
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    const [first, second] = [...counts].sort((a, b) => b[1] - a[1]);
    const out = join(run, "evaluation-strata");
    const cli = capture();
    const stratifiers = `model.stratifiers=[{name: first, index: 0, value: ${first![0]}}, {name: second, index: 0, value: ${second![0]}}]`;
    const argv = ["heavy-ranker", "--checkpoint", run, "--out", out, "--set", stratifiers];
    expect(await main([...argv, "--data", join(folder, "*.parquet")], cli.io)).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    const strata = metrics.strata as { stratum: string; metrics: { examples: number }[] }[];
    expect(strata.map((stratum) => [stratum.stratum, stratum.metrics[0]?.examples])).toEqual([
      ["first", first![1]],
      ["second", second![1]],
    ]);
    expect(cli.out()).toContain(`first (discrete[0] = ${first![0]})`);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("per-stratum metrics");
  });

  it.skipIf(!CHROMIUM)("report.html renders its plots in headless Chromium", () => {
    const report = join(run, "evaluation", "report.html");
    if (!existsSync(report)) throw new Error("run the heavy-ranker test first (same file)");
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"];
    const dom = execFileSync(CHROMIUM as string, [...flags, "--dump-dom", `file://${report}`], {
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const figures = dom.match(/<figure[\s\S]*?<\/figure>/g) ?? [];
    expect(figures.length).toBe(12);
    for (const figure of figures) {
      expect(figure).toMatch(/<svg/);
      expect((figure.match(/<path/g) ?? []).length).toBeGreaterThan(2);
    }
    const shot = join(run, "evaluation", "screenshot.png");
    spawnSync(
      CHROMIUM as string,
      [...flags, `--screenshot=${shot}`, "--window-size=1200,2000", `file://${report}`],
      {
        timeout: 60_000,
        stdio: "ignore",
      },
    );
    expect(statSync(shot).size).toBeGreaterThan(50_000);
  });
  if (!CHROMIUM)
    console.warn("Chromium not found (/usr/bin/chromium): the report rendering test is skipped.");

  it("rank: candidates best first with per-task contributions", async () => {
    const cli = capture();
    const code = await main(
      [
        "rank",
        "--checkpoint",
        run,
        "--candidates",
        join(data, "validation", "part-00001.parquet"),
        "--top",
        "5",
      ],
      cli.io,
    );
    expect(cli.err()).toBe("");
    expect(code).toBe(0);
    const ranking = JSON.parse(readFileSync(join(run, "ranking", "ranking.json"), "utf8"));
    expect(ranking.ranked.length).toBe(256);
    const scores = ranking.ranked.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    for (const row of ranking.ranked.slice(0, 5)) {
      const sum = Object.values(row.contributions as Record<string, number>).reduce(
        (a, b) => a + b,
        0,
      );
      expect(sum).toBeCloseTo(row.score, 5);
      // Published weights: fav 0.5, reply 13.5; contributions are weight × probability in (0, w).
      expect(row.contributions["recap.engagement.is_favorited"]).toBeLessThan(0.5);
      expect(row.contributions["recap.engagement.is_replied"]).toBeLessThan(13.5);
    }
    expect(cli.out()).toMatch(/^1\s+\d+\s+\d+\.\d{4}\s+is_replied \+/m);
  });

  it("bad input: one line on stderr, the documented exit code, nothing written", async () => {
    const cases: [string[], number, RegExp][] = [
      [["bogus"], 2, /unknown command "bogus"/],
      [["heavy-ranker", "--checkpoint", run, "--frobnicate"], 2, /Unknown option '--frobnicate'/],
      [["heavy-ranker"], 2, /--checkpoint is required/],
      [["heavy-ranker", "--checkpoint", run, "--device", "tpu"], 2, /--device must be one of/],
      [["twhin", "--checkpoint", run, "--device", "tpu"], 2, /--device must be one of/],
      [["heavy-ranker", "--checkpoint", "/nonexistent/run"], 4, /does not exist/],
      [
        [
          "heavy-ranker",
          "--checkpoint",
          run,
          "--data",
          "/nonexistent/*.parquet",
          "--out",
          join(run, "x"),
        ],
        4,
        /matches no file|nonexistent/,
      ],
      [
        [
          "heavy-ranker",
          "--checkpoint",
          run,
          "--set",
          "model.tasks.bogus=1",
          "--out",
          join(run, "x"),
        ],
        3,
        /model\.tasks/,
      ],
      [
        [
          "rank",
          "--checkpoint",
          run,
          "--candidates",
          join(run, "config.yaml"),
          "--out",
          join(run, "x"),
        ],
        5,
        /not a readable Parquet file/,
      ],
      [
        [
          "rank",
          "--checkpoint",
          run,
          "--candidates",
          join(run, "none.parquet"),
          "--out",
          join(run, "x"),
        ],
        4,
        /does not exist/,
      ],
    ];
    for (const [argv, expected, message] of cases) {
      const cli = capture();
      expect(await main(argv, cli.io), argv.join(" ")).toBe(expected);
      expect(cli.err()).toMatch(message);
      expect(cli.err().trim().split("\n").length).toBe(1);
      expect(cli.out()).toBe("");
    }
    expect(existsSync(join(run, "x"))).toBe(false);

    // A checkpoint written by another model kind.
    const other = mkdtempSync(join(tmpdir(), "tml-other-"));
    await saveCheckpoint(join(other, "checkpoints"), {
      modelKind: "twhin",
      step: 1,
      walltimeS: 0,
      state: { arrays: {}, json: {} },
    });
    const cli = capture();
    const code = await main(
      [
        "heavy-ranker",
        "--checkpoint",
        join(other, "checkpoints"),
        "--config",
        join(FIXTURES, "tiny-heavy-ranker.yaml"),
        "--out",
        join(other, "eval"),
      ],
      cli.io,
    );
    expect(code).toBe(6);
    expect(cli.err()).toMatch(/twhin/);
    expect(existsSync(join(other, "eval"))).toBe(false);
    mkdirSync(join(other, "unused"));
  });

  it("--help on the app and every command exits 0", async () => {
    for (const argv of [
      ["--help"],
      ["heavy-ranker", "--help"],
      ["twhin", "--help"],
      ["rank", "-h"],
    ]) {
      const cli = capture();
      expect(await main(argv, cli.io)).toBe(0);
      expect(cli.out()).toMatch(/^evaluator /);
    }
  });
});
