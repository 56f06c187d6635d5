import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fakeProbes, readyMachine } from "./__fixtures__/fake-machine.js";
import { type CliIo, main } from "./main.js";

function run(argv: string[], machine = readyMachine()) {
  const output = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: (text) => void (output.stdout += text),
    stderr: (text) => void (output.stderr += text),
  };
  const probes = fakeProbes(machine);
  const code = main(argv, io, probes);
  return { code, ...output, calls: probes.calls };
}

describe("cuda-check main", () => {
  it("prints the table and exits 0 when ready", () => {
    const { code, stdout, stderr } = run([]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^GPU READY for tfjs-node-gpu 4\.x \(CUDA 11\.2, cuDNN 8\.1\)\n/);
    expect(stdout).toMatch(/\n {2}GPUs +ok +2 × NVIDIA A100-SXM4-80GB \(cc 8\.0, 80 GiB\)\n/);
  });

  it("exits 8 and lists problems with their remedies when not ready", () => {
    const { code, stdout } = run([], {});
    expect(code).toBe(8);
    expect(stdout).toMatch(/^GPU NOT READY: 5 problems/);
    expect(stdout).toContain("\nProblems:\n  1. NVIDIA driver:");
    expect(stdout).toContain("     fix:   npm i @tensorflow/tfjs-node-gpu");
  });

  it("prints the whole report as JSON with --json", () => {
    const { code, stdout } = run(["--json"], {});
    expect(code).toBe(8);
    const report = JSON.parse(stdout);
    expect(report.ready).toBe(false);
    expect(report.problems).toHaveLength(5);
    expect(report.required.cudart.soname).toBe("libcudart.so.11.0");
  });

  it("skips the child load with --no-load and passes --load-timeout on", () => {
    expect(run(["--no-load"]).calls.some((call) => call.startsWith("load"))).toBe(false);
    expect(run(["--load-timeout", "7.5"]).calls).toContain(
      "load /srv/app/node_modules/@tensorflow/tfjs-node-gpu 7500",
    );
    expect(run(["--load-timeout=3"]).calls.at(-1)).toMatch(/ 3000$/);
  });

  it("prints help with the exit codes and exits 0, without probing", () => {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout, calls } = run([flag]);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: cuda-check/);
      expect(stdout).toMatch(/ 0 {2}a GPU path is ready .*\n {2}8 {2}neither is ready/);
      expect(calls).toEqual([]);
    }
  });

  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["extra"], 'unexpected argument "extra"'],
    [["--json=yes"], "unknown option --json=yes"],
    [["--load-timeout"], "--load-timeout needs a positive number of seconds, got nothing"],
    [["--load-timeout", "-1"], '--load-timeout needs a positive number of seconds, got "-1"'],
    [["--load-timeout=soon"], '--load-timeout needs a positive number of seconds, got "soon"'],
  ])("exits 2 for %j", (argv, message) => {
    const { code, stdout, stderr, calls } = run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`cuda-check: ${message}\nRun cuda-check --help for usage.\n`);
    expect(calls).toEqual([]);
  });
});

// The compiled bin, when `pnpm --filter @tml/cuda-check build` has run (pack-check runs it too).
const bin = fileURLToPath(new URL("../bin/cuda-check.js", import.meta.url));
const built = existsSync(fileURLToPath(new URL("../dist/cli.js", import.meta.url)));

describe.skipIf(!built)("cuda-check bin (built)", () => {
  it("exits 0 for --help, 2 for a bad flag and 8 on this GPU-less machine", () => {
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cuda-check/);
    expect(spawnSync(process.execPath, [bin, "--nope"], { encoding: "utf8" }).status).toBe(2);
    const check = spawnSync(process.execPath, [bin, "--json", "--no-load"], { encoding: "utf8" });
    expect(check.status).toBe(8);
    expect(JSON.parse(check.stdout).ready).toBe(false);
  });
});
