// node --test bench/lib: the READMEs' speed tables are what bench/results/latest.json renders.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  blockMarkers,
  formatFigure,
  README_BLOCKS,
  readmeTable,
  replaceBlock,
} from "./readme-tables.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const results = JSON.parse(readFileSync(join(root, "bench/results/latest.json"), "utf8"));

describe("README speed tables", () => {
  for (const { readme, table } of README_BLOCKS) {
    it(`${readme} shows the ${table} table of latest.json (rerun node bench/readme-tables.mjs)`, () => {
      const text = readFileSync(join(root, readme), "utf8");
      assert.equal(text, replaceBlock(text, table, readmeTable(table, results)));
    });
  }

  it("formats figures and rows by hand-checked values", () => {
    assert.equal(formatFigure(492177.36), "492,177");
    assert.equal(formatFigure(11.506), "11.5");
    assert.equal(formatFigure(undefined), "—");
    const report = {
      date: "2026-01-02T03:04:05.000Z",
      durationSeconds: 330,
      machine: {
        commit: "abc",
        cpu: "CPU",
        nproc: 2,
        node: "v20",
        loadAverage: "2.4 2 2",
        loadAverageAtEnd: "2.1 2 2",
      },
      peaks: { machine: { gflops: 343.4, source: "ort" } },
      cases: [
        {
          name: "twhin_train_edges_per_s",
          unit: "edges/s",
          value: 492177.4,
          scaling: 1.308,
          reference: 302371,
          referenceSetting: "threads1",
          ratio: 1.6277,
        },
        { name: "twhin_train_edges_per_s@threads1", unit: "edges/s", value: 376301.8 },
        { name: "twhin_train_edges_per_s@adagrad", unit: "edges/s", value: 1 },
        { name: "twhin_train_10m_rows_edges_per_s", unit: "edges/s", value: 2 },
        { name: "twhin_train_1vsall_edges_per_s", unit: "edges/s", value: 3 },
        {
          name: "twhin_eval_queries_per_s",
          unit: "queries/s",
          value: 437.1,
          gflops: 174.9,
          peakPercent: 50.9,
        },
      ],
    };
    const lines = readmeTable("twhin", report).split("\n");
    assert.equal(
      lines[0],
      "Measured by `pnpm bench` (bench/results/latest.json), 2026-01-02 03:04 UTC, commit abc, CPU with 2 cores, Node v20, load average 2.4 → 2.1; the whole bench took 6 minutes; peak 343 GFLOP/s (best sgemm 2048³ of the run: ort).",
    );
    assert.equal(
      lines[4],
      "| TwHIN 1M × 200, row-sparse SGD, batch 500 per worker | 492,177 edges/s | 376,302 | 1.31 | — | 302,371 (threads1) | **1.63** | ≥ 3 |",
    );
    assert.equal(
      lines[7],
      "| TwHIN 1vsAll at FB15k-237's shape (ComplEx-N3, 14,541 × 512, batch 1,000; PyTorch: kbc's step) | 3 edges/s | — | — | — | — | — | — |",
    );
    assert.equal(
      lines[8],
      "| TwHIN filtered ranking against 1M × 200 | 437 queries/s | — | — | 175 (51%) | — | — | ≥ 300 queries/s |",
    );
    assert.throws(() => readmeTable("twhin", { ...report, cases: [] }), /no case twhin_train/);
    const { begin, end } = blockMarkers("twhin");
    assert.equal(
      replaceBlock(`a\n${begin}\nold\n${end}\nb`, "twhin", "new"),
      `a\n${begin}\nnew\n${end}\nb`,
    );
  });
});
