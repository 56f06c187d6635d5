import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { allocateEdges } from "../data/edge-set.js";
import { TwhinModel } from "../model/twhin-model.js";
import { randomBatch, type TinyConfigOptions, tinyConfig } from "../testing/tiny-graph.js";
import { type BlockRankerSizes, evaluationRuntime } from "./block-ranker.js";
import { FilterIndex } from "./filter-index.js";
import { evaluateLinkPrediction, rankLinks } from "./link-prediction.js";

const runtime = evaluationRuntime();
// Both ranking paths: onnxruntime products with SIMD counts (where it loads), and the JS loops.
const paths = [
  ["onnxruntime", runtime],
  ["JS loops", null],
] as const;

// Brute force: the score of every corrupted edge through model.score-equivalent code paths.
function bruteScore(
  model: TwhinModel,
  h: number,
  r: number,
  t: number,
  side: "tail" | "head",
): number {
  if (side === "tail" || !model.reciprocal || !model.parity.applyOperators)
    return model.score(h, r, t);
  const dim = model.dim;
  const relation = model.relations[r]!;
  const query = new Float32Array(dim);
  model.queryVector(r, "head", t, query);
  const target = model.tables[relation.lhsTable]!.toFloat32(h, h + 1);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let d = 0; d < dim; d++) {
    ab += query[d]! * target[d]!;
    aa += query[d]! ** 2;
    bb += target[d]! ** 2;
  }
  if (model.comparator === "dot") return ab;
  if (model.comparator === "cos") return ab / Math.sqrt(aa * bb);
  return -(aa - 2 * ab + bb);
}

function bruteRanks(model: TwhinModel, edges: ReturnType<typeof randomBatch>, filter: FilterIndex) {
  const ranks: number[] = [];
  for (let e = 0; e < edges.size; e++) {
    const [h, r, t] = [edges.lhs[e]!, edges.rel[e]!, edges.rhs[e]!];
    for (const side of ["tail", "head"] as const) {
      const relation = model.relations[r]!;
      const rows = model.tables[side === "tail" ? relation.rhsTable : relation.lhsTable]!.rows;
      const truth = bruteScore(model, h, r, t, side);
      const answers = filter.answers(side, side === "tail" ? h : t, r);
      let greater = 0;
      let equal = 0;
      for (let c = 0; c < rows; c++) {
        const target = side === "tail" ? t : h;
        if (c === target || answers.has(c)) continue;
        const s =
          side === "tail" ? bruteScore(model, h, r, c, side) : bruteScore(model, c, r, t, side);
        if (Math.abs(s - truth) < 1e-6 * Math.max(1, Math.abs(truth))) equal++;
        else if (s > truth) greater++;
      }
      ranks.push(1 + greater + equal / 2);
    }
  }
  return ranks;
}

const cases: [string, TinyConfigOptions][] = [
  ["translation dot", {}],
  ["translation dot reciprocal", { model: { reciprocal_relations: true } }],
  ["diagonal dot", { operator: "diagonal" }],
  ["complex_diagonal dot", { operator: "complex_diagonal" }],
  ["translation l2", { model: { comparator: "l2" } }],
  ["diagonal l2 (transformed table)", { operator: "diagonal", model: { comparator: "l2" } }],
  ["translation cos (transformed table)", { model: { comparator: "cos" } }],
  [
    "complex cos reciprocal",
    { operator: "complex_diagonal", model: { comparator: "cos", reciprocal_relations: true } },
  ],
  ["original parity", { model: { parity: "original" } }],
];

describe("evaluateLinkPrediction", () => {
  it("uses onnxruntime here (else only the JS loops are tested)", () => {
    expect(runtime).not.toBeNull();
  });

  for (const [path, ortRuntime] of paths) {
    for (const [label, options] of cases) {
      it.skipIf(path === "onnxruntime" && !ortRuntime)(
        `filtered ranks match brute force (${path}): ${label}`,
        async () => {
          const config = tinyConfig({
            ...options,
            tables: [
              { name: "user", rows: 23 },
              { name: "tweet", rows: 17 },
            ],
          });
          const model = new TwhinModel(config.model).initialize(4);
          for (let i = 0; i < model.relationParams.length; i++)
            model.relationParams[i] = model.relationParams[i]! - 0.4;
          const edges = randomBatch(config, 12, 8);
          const known = randomBatch(config, 40, 9);
          const filter = new FilterIndex(model.relations.length, [edges, known]);
          const ranks = bruteRanks(model, edges, filter);
          const result = await rankLinks(model, edges, { filter }, ortRuntime, { chunkRows: 8 });
          const mrr = ranks.reduce((s, r) => s + 1 / r, 0) / ranks.length;
          const mr = ranks.reduce((s, r) => s + r, 0) / ranks.length;
          expect(result.both.count).toBe(24);
          expect(result.both.mrr).toBeCloseTo(mrr, 4);
          expect(result.both.mr).toBeCloseTo(mr, 3);
          const hits10 = ranks.filter((r) => r <= 10).length / ranks.length;
          expect(result.both.hits10).toBeCloseTo(hits10, 6);
        },
      );
    }
  }

  it("ties take the mean rank: all-zero embeddings rank the answer in the middle", async () => {
    const config = tinyConfig({
      tables: [
        { name: "user", rows: 11 },
        { name: "tweet", rows: 11 },
      ],
      model: { relation_init: "identity" },
    });
    const model = new TwhinModel(config.model); // all zeros
    const edges = allocateEdges(1);
    edges.lhs[0] = 1;
    edges.rhs[0] = 2;
    edges.size = 1;
    const result = await evaluateLinkPrediction(model, edges);
    expect(result.both.mr).toBe(6); // (1 + 11) / 2
    expect(result.both.auc).toBe(0); // ties count 0 as in the original's Auc
  });
});

// Rows with one nonzero entry (or none) in {-2, -1, 1, 2} and integer relation parameters: every
// product is one exact term, so both paths compute identical scores, with many exact ties.
function sparseIntegerModel(options: TinyConfigOptions, seed: number) {
  const config = tinyConfig({
    ...options,
    dim: 4,
    tables: [
      { name: "user", rows: 23 },
      { name: "tweet", rows: 17 },
    ],
  });
  const model = new TwhinModel(config.model);
  const rng = new Rng(seed);
  for (const table of model.tables) {
    table.stored.fill(0);
    for (let row = 0; row < table.rows; row++) {
      if (rng.next() < 0.1) continue;
      table.stored[row * 4 + rng.int(4)] = [-2, -1, 1, 2][rng.int(4)]!;
    }
  }
  const translation = (options.operator ?? "translation") === "translation";
  for (let i = 0; i < model.relationParams.length; i++)
    model.relationParams[i] = translation ? rng.int(3) - 1 : [-2, -1, 1, 2][rng.int(4)]!;
  return { config, model };
}

const exactCases: [string, TinyConfigOptions][] = [
  ["translation dot", {}],
  ["translation l2", { model: { comparator: "l2" } }],
  ["diagonal dot", { operator: "diagonal" }],
  ["diagonal l2 (transformed table)", { operator: "diagonal", model: { comparator: "l2" } }],
  ["diagonal cos (transformed table)", { operator: "diagonal", model: { comparator: "cos" } }],
];

const sizeCases: [string, BlockRankerSizes][] = [
  ["one chunk, one block", {}],
  ["chunks of 5 (padded last), blocks of 7", { chunkRows: 5, maxQueries: 7 }],
  [
    "chunks of 4, blocks of 3, second sweeps",
    { chunkRows: 4, maxQueries: 3, skipTruthGuess: true },
  ],
];

describe.skipIf(!runtime)("onnxruntime ranking equals the JS loops exactly (ties, filters)", () => {
  for (const [label, options] of exactCases) {
    for (const [sizeLabel, sizes] of sizeCases) {
      it(`${label}; ${sizeLabel}`, async () => {
        const { config, model } = sparseIntegerModel(options, label.length);
        const edges = randomBatch(config, 12, 8);
        const filter = new FilterIndex(model.relations.length, [edges, randomBatch(config, 60, 9)]);
        const loops = await rankLinks(model, edges, { filter, seed: 3 }, null);
        const fast = await rankLinks(model, edges, { filter, seed: 3 }, runtime, sizes);
        expect(fast).toEqual(loops);
        const ranks = bruteRanks(model, edges, filter);
        expect(fast.both.mr).toBe(ranks.reduce((s, r) => s + r, 0) / ranks.length);
        expect(ranks.filter((r) => r % 1 !== 0).length, "queries with ties").toBeGreaterThan(3);
      });
    }
  }
});
