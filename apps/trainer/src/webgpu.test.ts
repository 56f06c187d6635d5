import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rankRun } from "@tml/cli-kit";
import { capture, FIXTURES, writeTinyRankerData } from "@tml/cli-kit/testing";
import { setupWebGpuTestBackend } from "@tml/engine/testing";
import { describe, expect, it } from "vitest";
import { main } from "./cli.js";

// The built trainer as a process with `--device gpu` on a machine without CUDA: tfjs-node-gpu is
// passed over and the run trains on WebGPU. CI has only Mesa's software adapter (lavapipe), which
// TML_WEBGPU_ALLOW_SOFTWARE=1 admits. Skipped, with a notice, where Dawn finds no adapter.
const built = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const adapter = existsSync(built) ? await setupWebGpuTestBackend() : undefined;

function trainOnGpu(args: string[], env: Record<string, string>) {
  const child = spawnSync(process.execPath, [built, ...args, "--device", "gpu"], {
    encoding: "utf8",
    env: { ...process.env, ...env, TML_WEBGPU_ALLOW_SOFTWARE: "1" },
  });
  expect(child.stderr, "trainer failed").not.toMatch(/^trainer: /m);
  expect(child.status).toBe(0);
  expect(child.stderr).toContain(`engine: webgpu (software) (WebGPU on ${adapter}`);
  return child;
}

describe.skipIf(adapter === undefined)(`trainer --device gpu on WebGPU (${adapter})`, () => {
  it("trains the Heavy Ranker: checkpoint, weights and results", async () => {
    const data = await writeTinyRankerData();
    const out = join(mkdtempSync(join(tmpdir(), "tml-webgpu-hr-")), "run");
    const config = join(FIXTURES, "tiny-heavy-ranker.yaml");
    const child = trainOnGpu(["heavy-ranker", "--config", config, "--out", out], {
      TML_TINY_DATA: data,
    });
    expect(child.stdout).toContain("heavy-ranker completed at step 12");
    for (const name of ["model.safetensors", "checkpoints/12"])
      expect(existsSync(join(out, name)), name).toBe(true);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8"));
    expect(results.engine).toMatch(/^webgpu /);
  });

  it("runs the main job; its ranking equals the cpu engine's on the same checkpoint", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tml-webgpu-main-")), "run");
    const tiny = ["--max-steps", "8", "--set", "data.users=200", "--set", "data.tweets=100"];
    tiny.push("--set", "data.edges=3000", "--set", "data.communities=4");
    tiny.push("--set", "data.ranker_rows=1000", "--set", "data.validation_rows=1000");
    tiny.push("--set", "data.timeline_candidates=20", "--set", "twhin.training.eval_every_n=4");
    tiny.push("--set", "heavy_ranker.validation_data.validation.global_batch_size=500");
    const child = trainOnGpu(["--out", out, ...tiny], {});
    expect(child.stdout).toMatch(/Sample timeline, top 5 of 20/);
    expect(existsSync(join(out, "heavy-ranker", "model.safetensors"))).toBe(true);
    const onGpu = JSON.parse(readFileSync(join(out, "heavy-ranker/ranking/ranking.json"), "utf8"));
    const onCpu = await rankRun({
      checkpoint: join(out, "heavy-ranker"),
      candidates: join(out, "data/ranker/timeline/candidates.parquet"),
      out: join(out, "ranking-cpu"),
      report: false,
      device: "cpu",
    });
    expect(onCpu.step).toBe(8);
    expect(onGpu.ranked).toHaveLength(20);
    const gpuByIndex = new Map<number, { score: number }>(
      onGpu.ranked.map((row: { index: number; score: number }) => [row.index, row]),
    );
    for (const row of onCpu.ranked) {
      const score = gpuByIndex.get(row.index)?.score as number;
      expect(Math.abs(score - row.score), `candidate ${row.index}`).toBeLessThan(
        1e-4 * Math.max(1, Math.abs(row.score)),
      );
    }
  });

  it("trains TwHIN", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tml-webgpu-twhin-"));
    const graph = join(dir, "graph");
    const generated = capture();
    const spec = ["--users", "64", "--tweets", "32", "--edges", "2000", "--communities", "4"];
    expect(await main(["generate", "graph", "--out", graph, ...spec], generated.io)).toBe(0);
    const config = join(FIXTURES, "tiny-twhin.yaml");
    const child = trainOnGpu(["twhin", "--config", config, "--out", join(dir, "run")], {
      TML_TINY_GRAPH: graph,
    });
    expect(child.stdout).toMatch(/twhin completed at step 12/);
  });
});
