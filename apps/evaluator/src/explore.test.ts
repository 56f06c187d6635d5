import { mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { capture, trainTinyRun, writeTinyRankerData } from "@tml/cli-kit/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

let run: string;

/** A port some other program holds for the test's duration. */
async function occupiedPort(): Promise<{ port: number; release: () => void }> {
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
  const address = blocker.address() as { port: number };
  return { port: address.port, release: () => blocker.close() };
}

describe("evaluator explore", () => {
  beforeAll(async () => {
    const data = await writeTinyRankerData();
    run = await trainTinyRun(data, join(mkdtempSync(join(tmpdir(), "tml-explore-")), "run"));
  }, 120_000);

  it("serves the run's explorer on 127.0.0.1, its URL on a line of its own, until stopped", async () => {
    const stop = new AbortController();
    const cli = capture();
    const serving = main(["explore", "--run", run], { ...cli.io, signal: stop.signal });
    let url: string | undefined;
    for (let wait = 0; wait < 600 && !url; wait++) {
      url = cli.out().match(/^(http:\/\/127\.0\.0\.1:\d+\/)$/m)?.[1];
      if (!url) await new Promise((done) => setTimeout(done, 50));
    }
    expect(url).toBeDefined();
    const page = await fetch(url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/page/explorer.js");
    const manifest = (await (await fetch(`${url}data/explorer.json`)).json()) as { kind: string };
    expect(manifest.kind).toBe("heavy-ranker");
    expect(
      (await fetch(`${url}page/tfjs-backend-wasm-simd.wasm`)).headers.get("content-type"),
    ).toBe("application/wasm");
    expect((await fetch(`${url}data/../../run.json`)).status).toBe(404);
    expect((await fetch(`${url}data/%2e%2e/run.json`)).status).toBe(404);
    expect((await fetch(`${url}page/%E0`)).status).toBe(404);
    stop.abort();
    expect(await serving).toBe(0);
  });

  it("bad input: a clear message and exit code, nothing written but the explorer's folder", async () => {
    const missing = capture();
    expect(await main(["explore", "--run", join(run, "nope")], missing.io)).toBe(4);
    expect(missing.err()).toMatch(/run directory .*nope does not exist/);
    const before = readdirSync(run)
      .filter((name) => name !== "explorer")
      .sort();
    const held = await occupiedPort();
    try {
      const busy = capture();
      expect(await main(["explore", "--run", run, "--port", String(held.port)], busy.io)).toBe(2);
      expect(busy.err()).toContain(`port ${held.port} on 127.0.0.1 is in use: pass another --port`);
    } finally {
      held.release();
    }
    expect(
      readdirSync(run)
        .filter((name) => name !== "explorer")
        .sort(),
    ).toEqual(before);
    const help = capture();
    expect(await main(["explore", "--help"], help.io)).toBe(0);
    expect(help.out()).toMatch(/^evaluator explore --run DIR/);
    const noRun = capture();
    expect(await main(["explore"], noRun.io)).toBe(2);
    expect(noRun.err()).toContain("--run");
  });
});
