import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rankRun } from "@tml/cli-kit";
import { installTfjsResolveHook, selectEngine } from "@tml/engine";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TinyRuns, trainTinyRuns } from "../__fixtures__/tiny-runs.js";
import { type PreparedExplorer, prepareExplorer } from "../prepare/prepare-explorer.js";
import { type ExplorerServer, serveExplorer } from "../server/serve-explorer.js";
import { cosineNeighbours } from "../shared/cosine-neighbours.js";
import type { Attributions } from "../shared/integrated-gradients.js";

/** Debian's chromium (CI installs it); CHROMIUM_PATH points elsewhere. No browser is downloaded. */
const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path): path is string => path !== undefined && existsSync(path),
);
/** Screenshots of each view, kept as test artifacts (gitignored). */
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

if (!CHROMIUM)
  console.warn(
    "explorer browser test skipped: no chromium (install Debian's chromium or set CHROMIUM_PATH)",
  );

interface PageState {
  ready: boolean;
  error: string | null;
  backend: string;
  order: number[];
  scores: number[];
  nodeDifference: number | null;
}

async function openExplorer(browser: Browser, server: ExplorerServer, query = ""): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(
    "window.explorer && (window.explorer.ready || window.explorer.error)",
    { timeout: 30_000 },
  );
  const state = await pageState(page);
  expect(state.error, errors.join("\n")).toBeNull();
  return page;
}

function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const { ready, error, backend, order, scores, nodeDifference } = (
      window as unknown as { explorer: PageState }
    ).explorer;
    return { ready, error, backend, order, scores, nodeDifference };
  });
}

function domOrder(page: Page): Promise<number[]> {
  return page.$$eval("#timeline tr.candidate", (rows) =>
    rows.map((row) => Number(row.getAttribute("data-row"))),
  );
}

describe.skipIf(!CHROMIUM)("the explorer in headless chromium", () => {
  let runs: TinyRuns;
  let ranker: PreparedExplorer;
  let servers: ExplorerServer[] = [];
  let browser: Browser;

  beforeAll(async () => {
    installTfjsResolveHook();
    await selectEngine({ device: "cpu" });
    runs = await trainTinyRuns();
    ranker = await prepareExplorer(runs.ranker);
    servers = [
      await serveExplorer({ explorerDir: ranker.explorerDir }),
      await serveExplorer({ explorerDir: (await prepareExplorer(runs.twhin)).explorerDir }),
    ];
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM as string,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it("scores the candidates in the page as Node does (within 1e-4), and a slider re-ranks them", async () => {
    const page = await openExplorer(browser, servers[0] as ExplorerServer);
    const state = await pageState(page);
    expect(["webgpu", "webgl", "wasm", "cpu"]).toContain(state.backend);
    expect(await page.$eval("#status", (node) => node.textContent)).toContain(
      `tfjs backend: ${state.backend}`,
    );
    // Node's scores of the same rows, by evaluator rank (the tfjs model in Node, not the graph).
    const manifest = ranker.manifest.ranker;
    const ranking = await rankRun({
      checkpoint: runs.ranker,
      candidates: manifest?.candidatesFile as string,
      out: join(runs.data, "rank-browser"),
      report: false,
      device: "cpu",
    });
    const nodeScores = new Map(ranking.ranked.map((entry) => [entry.index, entry.score]));
    expect(state.scores.length).toBe(100);
    state.scores.forEach((score, index) => {
      expect(Math.abs(score - (nodeScores.get(index) as number))).toBeLessThan(1e-4);
    });
    expect(state.nodeDifference).toBeLessThan(1e-4);
    const before = await domOrder(page);
    expect(before).toEqual(state.order);
    await page.screenshot({ path: join(ARTIFACTS, "timeline.png") });
    // Reply weight to its lowest: the ranking follows the favourite probability instead.
    await page.$eval('input[data-task="recap.engagement.is_replied"]', (input) => {
      const slider = input as HTMLInputElement;
      slider.value = slider.min;
      slider.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const after = await domOrder(page);
    expect(after).not.toEqual(before);
    expect([...after].sort((a, b) => a - b)).toEqual([...before].sort((a, b) => a - b));
    const shown = await page.$$eval("#timeline td.score", (cells) =>
      cells.map((cell) => Number((cell.textContent ?? "").replace("−", "-"))),
    );
    for (let i = 1; i < shown.length; i++)
      expect(shown[i] as number).toBeLessThanOrEqual(shown[i - 1] as number);
    // The timeline of one user: every candidate scored with that user's features.
    const user = String(manifest?.userIds?.[3]);
    const ownUsers = (await pageState(page)).scores;
    await page.select("#user", user);
    const forUser = (await pageState(page)).scores;
    expect(
      forUser.some((score, index) => Math.abs(score - (ownUsers[index] as number)) > 1e-4),
    ).toBe(true);
    expect(forUser[3]).toBeCloseTo(ownUsers[3] as number, 5);
    await page.close();
  });

  it("explains an item: attributions sum to each task's logit change (within 1e-3); a what-if edit re-scores it", async () => {
    // On wasm: headless chromium's WebGL is a software rasteriser, too slow for the refined
    // integral's backward passes (seconds on a real GPU, a minute here).
    const page = await openExplorer(browser, servers[0] as ExplorerServer, "?backend=wasm");
    await page.click("#timeline tr.candidate");
    const why = () =>
      page.evaluate(() => {
        const state = (
          window as unknown as {
            explorer: {
              why: {
                state: { row: number; score: number; edited: boolean; attributions: Attributions };
              };
            };
          }
        ).explorer.why.state;
        return {
          row: state.row,
          score: state.score,
          edited: state.edited,
          tasks: state.attributions.tasks.map((task) => ({
            gap: task.completenessGap,
            sum: Object.values(task.groups).reduce((total, value) => total + value, 0),
            change: task.logit - task.baselineLogit,
          })),
        };
      });
    const explained = await why();
    expect(explained.tasks.length).toBe(2);
    for (const task of explained.tasks) {
      expect(Math.abs(task.gap)).toBeLessThan(1e-3);
      expect(Math.abs(task.sum - task.change)).toBeLessThan(1e-3);
    }
    expect(await page.$eval("#why", (node) => (node as HTMLElement).hidden)).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "why.png"), fullPage: true });
    // What if the most influential input were 0?
    await page.$eval("input[data-feature]", (input) => {
      const field = input as HTMLInputElement;
      field.value = String(Number(field.value) === 0 ? 3 : 0);
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const edited = await why();
    expect(edited.edited).toBe(true);
    expect(edited.score).not.toBe(explained.score);
    for (const task of edited.tasks) expect(Math.abs(task.gap)).toBeLessThan(1e-3);
    // What if another author had written it?
    await page.select('select[data-swap="author_embedding"]', "5");
    const swapped = await why();
    expect(swapped.score).not.toBe(edited.score);
    for (const task of swapped.tasks) expect(Math.abs(task.gap)).toBeLessThan(1e-3);
    await page.close();
  });

  it("shows TwHIN neighbours (the same as Node's cosine) and the projection", async () => {
    const page = await openExplorer(browser, servers[1] as ExplorerServer);
    await page.select("#twhin-table", "user");
    await page.$eval("#twhin-entity", (input) => {
      const field = input as HTMLInputElement;
      field.value = "5";
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
    const shown = await page.evaluate(
      () =>
        (
          window as unknown as {
            explorer: {
              twhin: { state: { table: string; entity: number; neighbours: { row: number }[] } };
            };
          }
        ).explorer.twhin.state,
    );
    expect(shown.table).toBe("user");
    expect(shown.entity).toBe(5);
    const prepared = await prepareExplorer(runs.twhin);
    const user = prepared.manifest.twhin?.tables.find((table) => table.name === "user");
    const bytes = readFileSync(join(prepared.explorerDir, user?.file as string));
    const table = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const expected = cosineNeighbours(table, user?.rows as number, user?.dim as number, 5, 10);
    expect(shown.neighbours.map((neighbour) => neighbour.row)).toEqual(
      expected.map((neighbour) => neighbour.row),
    );
    expect(await page.$$eval("ol.neighbours li", (items) => items.length)).toBe(10);
    await page.screenshot({ path: join(ARTIFACTS, "twhin.png") });
    await page.close();
  });
});
