import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { capture, FIXTURES, writeTinyRankerData } from "@tml/cli-kit/testing";
import { detectGpu } from "@tml/cuda-check";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const config = join(FIXTURES, "tiny-heavy-ranker.yaml");
const scratch = () => mkdtempSync(join(tmpdir(), "tml-trainer-cli-"));

describe("trainer CLI", () => {
  beforeAll(async () => {
    process.env.TML_TINY_DATA = await writeTinyRankerData();
  });

  it("--help on the app and every command exits 0", async () => {
    for (const argv of [
      ["--help"],
      ["-h"],
      ["twhin", "--help"],
      ["heavy-ranker", "--help"],
      ["generate", "--help"],
      ["generate", "graph", "--help"],
      ["doctor", "--help"],
    ]) {
      const cli = capture();
      expect(await main(argv, cli.io), argv.join(" ")).toBe(0);
      expect(cli.out()).toMatch(/^trainer /);
      expect(cli.err()).toBe("");
    }
  });

  it("bad input: one line on stderr, the documented exit code, nothing written", async () => {
    const dir = scratch();
    const out = join(dir, "out");
    const badKey = join(dir, "bad.yaml");
    writeFileSync(
      badKey,
      readFileSync(config, "utf8").replace(
        "num_train_steps: 12",
        "num_train_steps: 12\n  num_train_stepz: 3",
      ),
    );
    const badValue = join(dir, "bad-value.yaml");
    writeFileSync(
      badValue,
      readFileSync(config, "utf8").replace("global_batch_size: 32", "global_batch_size: -32"),
    );
    const cases: [string[], number, RegExp][] = [
      [["frobnicate"], 2, /unknown command "frobnicate"/],
      [["heavy-ranker", "--config", config, "--frobnicate"], 2, /Unknown option '--frobnicate'/],
      [["heavy-ranker"], 2, /--config is required/],
      [
        ["heavy-ranker", "--config", config, "--max-steps", "zero"],
        2,
        /--max-steps must be an integer/,
      ],
      [["heavy-ranker", "--config", config, "--device", "tpu"], 2, /--device must be one of/],
      [
        ["heavy-ranker", "--config", join(dir, "missing.yaml"), "--out", out],
        4,
        /missing\.yaml cannot be read/,
      ],
      [["heavy-ranker", "--config", badKey, "--out", out], 3, /num_train_stepz/],
      [["heavy-ranker", "--config", badValue, "--out", out], 3, /train_data\.global_batch_size/],
      [
        ["heavy-ranker", "--config", config, "--set", "optimizer.adam.beta_1=oops", "--out", out],
        3,
        /optimizer\.adam\.beta_1/,
      ],
      [
        ["heavy-ranker", "--config", config, "--device", "gpu", "--out", out],
        8,
        /GPU was requested but is not ready/,
      ],
      [["--device", "gpu", "--out", out], 8, /GPU was requested but is not ready/],
      [["--set", "data.users=-5", "--out", out], 3, /data\.users/],
      [["--bogus"], 2, /Unknown option '--bogus'/],
      [["generate", "mesh", "--out", out], 2, /unknown data kind "mesh"/],
      [["generate", "graph"], 2, /--out is required/],
    ];
    // On a machine whose GPU is ready, --device gpu is not an error.
    const gpuReady = detectGpu({ checkLoad: false }).ready;
    for (const [argv, expected, message] of cases) {
      if (gpuReady && expected === 8) continue;
      const cli = capture();
      expect(await main(argv, cli.io), argv.join(" ")).toBe(expected);
      expect(cli.err()).toMatch(message);
      if (expected !== 8) expect(cli.err().trim().split("\n").length).toBe(1);
      expect(cli.out()).toBe("");
    }
    expect(existsSync(out)).toBe(false);
  });

  it("--resume on a directory that holds no run names it (exit 4) and creates nothing", async () => {
    const out = join(scratch(), "typo");
    process.env.TML_TINY_GRAPH ??= join(scratch(), "graph");
    for (const argv of [
      ["heavy-ranker", "--config", config, "--out", out, "--resume", "--device", "cpu"],
      ["twhin", "--config", join(FIXTURES, "tiny-twhin.yaml"), "--out", out, "--resume"],
      ["--out", out, "--resume", "--device", "cpu"],
    ]) {
      const cli = capture();
      expect(await main(argv, cli.io), argv.join(" ")).toBe(4);
      expect(cli.err()).toContain(`trainer: Nothing to resume in ${out}`);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("data that does not match the config is a data error, and a run never clobbers a foreign directory", async () => {
    const dir = scratch();
    // Rows with 16 continuous features read under a schema (segdense.json) that declares 8.
    const other = await writeTinyRankerData(5, {
      continuous: 16,
      binary: 4,
      discrete: 2,
      embedding: 4,
    });
    const cli = capture();
    const code = await main(
      [
        "heavy-ranker",
        "--config",
        config,
        "--out",
        join(dir, "run"),
        "--set",
        `train_data.inputs=${join(other, "train", "*.parquet")}`,
      ],
      cli.io,
    );
    expect(cli.err()).toMatch(/^trainer: .*(continuous|length|16|8)/m);
    expect(code).toBe(5);
    expect(cli.err().match(/^trainer: /gm)).toHaveLength(1);

    const foreign = join(dir, "home");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "keep");
    const refused = capture();
    expect(await main(["heavy-ranker", "--config", config, "--out", foreign], refused.io)).toBe(2);
    expect(refused.err()).toMatch(/refusing to overwrite/);
    expect(readdirSync(foreign)).toEqual(["notes.txt"]);
  });

  it("doctor reports the GPU check and the engine --device cpu resolves to", async () => {
    const cli = capture();
    expect(await main(["doctor", "--no-load-check", "--device", "cpu"], cli.io)).toBe(0);
    expect(cli.out()).toMatch(/GPU (NOT )?READY/);
    expect(cli.out()).toMatch(/Engine for --device cpu: \S+/);
    expect(cli.out()).toMatch(/Why: /);
  });

  it("generate graph writes edges, communities and graph.json, and refuses a non-empty --out", async () => {
    const out = join(scratch(), "graph");
    const cli = capture();
    expect(
      await main(
        [
          "generate",
          "graph",
          "--out",
          out,
          "--users",
          "64",
          "--tweets",
          "32",
          "--edges",
          "500",
          "--communities",
          "4",
        ],
        cli.io,
      ),
    ).toBe(0);
    const descriptor = JSON.parse(readFileSync(join(out, "graph.json"), "utf8"));
    expect(descriptor.splits.train.rows).toBe(500);
    expect(
      descriptor.tables.map((t: { name: string; num_embeddings: number }) => [
        t.name,
        t.num_embeddings,
      ]),
    ).toEqual([
      ["user", 64],
      ["tweet", 32],
    ]);
    const again = capture();
    expect(await main(["generate", "graph", "--out", out], again.io)).toBe(2);
    expect(again.err()).toMatch(/not empty/);
  });

  it("generate ranker writes 2048-row shards with their schema and the planted model's report", async () => {
    const out = join(scratch(), "ranker");
    const cli = capture();
    expect(
      await main(
        ["generate", "ranker", "--out", out, "--rows", "2100", "--users", "50", "--authors", "20"],
        cli.io,
      ),
    ).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "generator.json",
      "part-00000.parquet",
      "part-00001.parquet",
      "segdense.json",
    ]);
    const report = JSON.parse(readFileSync(join(out, "generator.json"), "utf8"));
    expect(report.files.map((file: { rows: number }) => file.rows)).toEqual([2048, 52]);
    expect(cli.out()).toMatch(/Bayes-optimal AUC 0\.\d{4}/);
  });

  const built = fileURLToPath(new URL("../dist/main.js", import.meta.url));
  it.skipIf(!existsSync(built))(
    "the built CLI runs as a process (smoke: --help, an error exit code)",
    () => {
      const help = spawnSync(process.execPath, [built, "--help"], { encoding: "utf8" });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^trainer \[options\]/);
      const bad = spawnSync(
        process.execPath,
        [built, "heavy-ranker", "--config", "/nonexistent.yaml"],
        { encoding: "utf8" },
      );
      expect(bad.status).toBe(4);
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    },
  );

  it.skipIf(!existsSync(built))(
    "a reader that goes away (trainer --help | head -0) is no crash: exit 0, no stack",
    async () => {
      const child = spawn(process.execPath, [built, "--help"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      // Closed long before the program has loaded and writes its help.
      child.stdout.destroy();
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise((resolve) => child.on("close", resolve));
      expect(stderr).toBe("");
      expect(code).toBe(0);
    },
  );

  it.skipIf(!existsSync(built))(
    "SIGINT stops the built CLI after a step with a checkpoint (exit 130)",
    async () => {
      const out = join(scratch(), "run");
      const child = spawn(
        process.execPath,
        [
          built,
          "heavy-ranker",
          "--config",
          config,
          "--out",
          out,
          "--max-steps",
          "1000",
          "--device",
          "cpu",
        ],
        {
          env: { ...process.env },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/heavy-ranker \d+\/1000/.test(stderr) && !child.killed) child.kill("SIGINT");
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(130);
      expect(stderr).toMatch(/SIGINT: stopping after the current step/);
      expect(readdirSync(join(out, "checkpoints")).length).toBe(1);
    },
  );
  if (!existsSync(built))
    console.warn(
      `${built} is not built: the process smoke test is skipped (pnpm --filter trainer... build).`,
    );
});
