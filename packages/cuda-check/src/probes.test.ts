import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { realProbes } from "./probes.js";
import { parseLoadOutput } from "./tfjs-node-gpu.js";

// Stand-in CommonJS packages (not tfjs) that exercise the child-process plumbing: the module path
// argument, the result marker, the log-level variable, a native-style crash and a hang.
const scratch = mkdtempSync(join(tmpdir(), "cuda-check-probes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function standIn(name: string, body: string): string {
  const directory = join(scratch, "node_modules", name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    join(directory, "package.json"),
    JSON.stringify({ name, version: "9.9.9", main: "main.js" }),
  );
  writeFileSync(join(directory, "main.js"), body);
  return directory;
}

const TENSOR_STAND_IN = `
process.stderr.write("log level " + process.env.TF_CPP_MIN_LOG_LEVEL + "\\n");
const scalar = (value) => ({ value });
module.exports = {
  scalar,
  add: (a, b) => ({ dataSync: () => [a.value + b.value] }),
  getBackend: () => "stand-in",
  backend: () => ({ isUsingGpuDevice: false }),
};`;

describe("realProbes", () => {
  const probes = realProbes();

  it("describes this process's machine", () => {
    expect(probes.platform).toBe(process.platform);
    expect(probes.arch).toBe(process.arch);
    expect(probes.cwd).toBe(process.cwd());
  });

  it("runs commands, and reports a missing one as ENOENT instead of throwing", () => {
    const node = probes.exec(process.execPath, [
      "-e",
      "process.stdout.write('hi'); process.exit(3)",
    ]);
    expect(node).toMatchObject({ status: 3, stdout: "hi" });
    expect(node.errorCode).toBeUndefined();
    expect(probes.exec("cuda-check-no-such-command", []).errorCode).toBe("ENOENT");
  });

  it("reads files and directories, and returns undefined for missing ones", () => {
    expect(probes.readFile(join(scratch, "missing"))).toBeUndefined();
    expect(probes.readDir(join(scratch, "missing"))).toBeUndefined();
    standIn("listed", "");
    expect(probes.readDir(join(scratch, "node_modules"))).toContain("listed");
  });

  it("resolves a package from a directory, and not from elsewhere", () => {
    const directory = standIn("resolvable", "");
    expect(probes.resolveModule("resolvable/package.json", scratch)).toBe(
      join(directory, "package.json"),
    );
    expect(probes.resolveModule("resolvable/package.json", tmpdir())).toBeUndefined();
  });

  it("loads a module in a child, runs one op and reads the result marker", () => {
    const load = parseLoadOutput(probes.loadInChild(standIn("tensor", TENSOR_STAND_IN), 20_000));
    expect(load).toMatchObject({
      outcome: "loaded",
      backend: "stand-in",
      usingGpu: false,
      status: 0,
      signal: null,
    });
    expect(load.logTail).toEqual(["log level 0"]);
  });

  it("survives a child that crashes with SIGSEGV", () => {
    const load = parseLoadOutput(
      probes.loadInChild(standIn("crash", "process.kill(process.pid, 'SIGSEGV');"), 20_000),
    );
    expect(load).toMatchObject({ outcome: "crashed", signal: "SIGSEGV", status: null });
  });

  it("kills a child that hangs", () => {
    const load = parseLoadOutput(probes.loadInChild(standIn("hang", "for (;;) {}"), 1500));
    expect(load.outcome).toBe("timed-out");
    expect(load.durationMs).toBeGreaterThanOrEqual(1400);
  });

  it("reports a module that throws while loading", () => {
    const load = parseLoadOutput(
      probes.loadInChild(
        standIn(
          "throws",
          "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');",
        ),
        20_000,
      ),
    );
    expect(load.outcome).toBe("error");
    expect(load.error).toBe(
      "Error: libtensorflow.so.2: cannot open shared object file: No such file or directory",
    );
  });
});
