import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "@tml/core";
import { findTorchPython, runPythonScript } from "@tml/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import type { EdgeBatch } from "../data/edge-batch.js";
import { TwhinModel } from "../model/twhin-model.js";
import { tinyConfig } from "../testing/tiny-graph.js";
import { TwhinStep } from "./twhin-step.js";

// TwHIN's loss and gradients against PyTorch autograd on a model written from the original's
// documented `projects/twhin/models/models.py` (torch-reference/twhin_reference.py, float64).
const python = findTorchPython();
if (!python.command) console.info(`PyTorch parity test skipped: ${python.description}`);

const script = fileURLToPath(
  new URL("../../../../torch-reference/twhin_reference.py", import.meta.url),
);
const TABLES = [
  { name: "user", rows: 7 },
  { name: "tweet", rows: 5 },
];
const RELATIONS = [
  { name: "fav", lhs: "user", rhs: "tweet" },
  { name: "follow", lhs: "user", rhs: "user" },
  { name: "reply", lhs: "tweet", rhs: "user" },
];
const NEGATIVES = 4;

/**
 * 10 edges: 4 fav, 2 follow, 4 reply. Each relation's edge count divides N = 4, so every edge of a
 * relation is drawn equally often as a negative and the loss is the same for any permutation.
 */
function parityBatch(): EdgeBatch {
  const rel = Int32Array.of(0, 2, 1, 0, 2, 0, 1, 2, 0, 2);
  const rng = new Rng(13);
  const rows = (table: string) => TABLES.find((t) => t.name === table)!.rows;
  const lhs = Int32Array.from(rel, (r) => rng.int(rows(RELATIONS[r]!.lhs)));
  const rhs = Int32Array.from(rel, (r) => rng.int(rows(RELATIONS[r]!.rhs)));
  return { lhs, rel, rhs, size: rel.length };
}

async function compareWithTorch(parity: "original" | "fixed", dir: string) {
  const config = tinyConfig({
    dim: 8,
    tables: TABLES,
    relations: RELATIONS,
    batchSize: 10,
    inBatch: NEGATIVES,
    model: { parity },
  });
  const model = new TwhinModel(config.model).initialize(5);
  const rng = new Rng(21);
  for (const table of model.tables) {
    const values = new Float32Array(table.rows * table.dim);
    for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-0.8, 0.8);
    table.setFloat32(values);
  }
  for (let i = 0; i < model.relationParams.length; i++)
    model.relationParams[i] = rng.uniform(-0.5, 0.5);
  const batch = parityBatch();
  const step = TwhinStep.create(model, config);
  const loss = await step.computeGradients(batch, new Rng(2));

  const dim = model.dim;
  const rowsOf = (data: Float32Array, rows: number) =>
    Array.from({ length: rows }, (_, row) => Array.from(data.subarray(row * dim, (row + 1) * dim)));
  const input = {
    parity,
    in_batch_negatives: NEGATIVES,
    tables: Object.fromEntries(
      model.tables.map((t, i) => [TABLES[i]!.name, rowsOf(t.toFloat32(), t.rows)]),
    ),
    translations: rowsOf(model.relationParams, RELATIONS.length),
    relations: RELATIONS.map((r) => [r.lhs, r.rhs]),
    batch: { lhs: [...batch.lhs], rel: [...batch.rel], rhs: [...batch.rhs] },
  };
  const path = join(dir, `${parity}.json`);
  writeFileSync(path, JSON.stringify(input));
  const reference = JSON.parse(runPythonScript(python.command!, script, [path])) as {
    loss: number;
    tables: Record<string, number[][]>;
    translations: number[][];
  };

  // Our row-sparse gradients, densified.
  let worst = 0;
  model.tables.forEach((table, t) => {
    const dense = new Float32Array(table.rows * dim);
    const grads = step.tableGrads[t]!;
    for (let s = 0; s < grads.count; s++)
      dense.set(grads.grads.subarray(s * dim, (s + 1) * dim), grads.rowIds[s]! * dim);
    const theirs = reference.tables[TABLES[t]!.name]!.flat();
    for (let i = 0; i < dense.length; i++)
      worst = Math.max(worst, Math.abs(dense[i]! - theirs[i]!));
  });
  const relationDense = new Float32Array(model.relationParams.length);
  const relationGrads = step.relationGrads;
  for (let s = 0; s < relationGrads.count; s++)
    relationDense.set(
      relationGrads.grads.subarray(s * dim, (s + 1) * dim),
      relationGrads.rowIds[s]! * dim,
    );
  const theirRelations = reference.translations.flat();
  let worstRelation = 0;
  for (let i = 0; i < relationDense.length; i++)
    worstRelation = Math.max(worstRelation, Math.abs(relationDense[i]! - theirRelations[i]!));
  const relationNorm = Math.max(...theirRelations.map(Math.abs));
  return { loss, referenceLoss: reference.loss, worst, worstRelation, relationNorm };
}

describe.skipIf(!python.command)("TwHIN loss and gradients against PyTorch autograd", () => {
  const dir = mkdtempSync(join(tmpdir(), "twhin-torch-parity-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const parity of ["original", "fixed"] as const) {
    it(`parity ${parity}: loss, table and translation gradients within 1e-7`, async () => {
      const result = await compareWithTorch(parity, dir);
      console.info(`TwHIN PyTorch parity (${parity}):`, result);
      expect(Math.abs(result.loss - result.referenceLoss)).toBeLessThan(1e-7);
      expect(result.worst).toBeLessThan(1e-7);
      expect(result.worstRelation).toBeLessThan(1e-7);
      // The original reads the translations detached; the fixed model trains them.
      if (parity === "original") expect(result.relationNorm).toBe(0);
      else expect(result.relationNorm).toBeGreaterThan(1e-3);
    });
  }
});
