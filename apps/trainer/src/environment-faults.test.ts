import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, FIXTURES } from "@tml/cli-kit/testing";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const scratch = () => mkdtempSync(join(tmpdir(), "tml-environment-faults-"));
const twhin = ["twhin", "--config", join(FIXTURES, "tiny-twhin.yaml"), "--device", "cpu"];

/** Runs the trainer; returns its exit code and its one stderr line. */
async function run(argv: string[]): Promise<{ code: number; err: string }> {
  const cli = capture();
  const code = await main(argv, cli.io);
  const lines = cli.err().trim().split("\n");
  return { code, err: lines[lines.length - 1] ?? "" };
}

describe("environment faults: typed errors (exit 10) naming the path, never exit 70", () => {
  beforeAll(async () => {
    const graph = join(scratch(), "graph");
    const spec = twitterGraphSpec({ users: 64, tweets: 32, edges: 2000, communities: 4 });
    await writeGraph(graph, spec, { seed: 1 });
    process.env.TML_TINY_GRAPH = graph;
  });

  it("--out that is a file, for every command that writes", async () => {
    const file = join(scratch(), "out");
    writeFileSync(file, "a file, not a folder");
    for (const argv of [
      [...twhin, "--out", file],
      ["--device", "cpu", "--out", file],
      ["generate", "graph", "--out", file],
    ]) {
      const { code, err } = await run(argv);
      expect(code, argv.join(" ")).toBe(10);
      expect(err).toMatch(new RegExp(`^trainer: .*${file}.*\\(ENOTDIR\\)$`));
    }
    expect(readFileSync(file, "utf8")).toBe("a file, not a folder");
  });

  it("a read-only --out (as root, where chmod does not block writes, skipped)", async (context) => {
    if (process.getuid?.() === 0) {
      console.warn("environment faults: running as root, chmod does not block writes; skipped");
      context.skip();
      return;
    }
    const parent = join(scratch(), "read-only");
    mkdirSync(parent);
    chmodSync(parent, 0o500);
    const { code, err } = await run([...twhin, "--out", join(parent, "run")]);
    chmodSync(parent, 0o700);
    expect(code).toBe(10);
    expect(err).toMatch(/read-only|no permission/);
    expect(err).toContain(parent);
  });

  describe("a full disk (a 1 MiB tmpfs the test mounts where it can)", () => {
    const mountPoint = join(scratch(), "tmpfs");
    let mounted = false;
    beforeAll(() => {
      mkdirSync(mountPoint);
      const result = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]);
      mounted = result.status === 0;
      if (!mounted)
        console.warn(`environment faults: cannot mount a tmpfs (${result.stderr}); skipped`);
    });
    afterAll(() => {
      if (mounted) spawnSync("umount", [mountPoint]);
    });

    it("no space left: exit 10 naming the file being written", async (context) => {
      if (!mounted) {
        context.skip();
        return;
      }
      const out = join(mountPoint, "graph");
      const { code, err } = await run(["generate", "graph", "--out", out, "--edges", "400000"]);
      expect(code).toBe(10);
      expect(err).toMatch(new RegExp(`no space left on the device holding ${out}/.*\\(ENOSPC\\)$`));
    });
  });

  it("a batch that exceeds WebAssembly memory: exit 10 saying to lower the batch size", async () => {
    const out = join(scratch(), "run");
    const { code, err } = await run([
      ...twhin,
      "--out",
      out,
      "--set",
      "train_data.per_replica_batch_size=100000000",
    ]);
    expect(code).toBe(10);
    expect(err).toMatch(/out of memory: .*Lower the batch size/);
  });
});
