import { Rng } from "@tml/core";
import { describe, expect, it } from "vitest";
import { createStepKernels } from "../kernels/simd-kernels.js";
import { RowAdagrad } from "./row-adagrad.js";
import { RowAdam } from "./row-adam.js";
import { RowSgd } from "./row-sgd.js";

// Table of 3 rows x 2 dims; the update touches rows 2 and 0 (in that order), row 1 never.
const rows = () => Float32Array.from([1, 2, 3, 4, 5, 6]);
const ids = Int32Array.from([2, 0]);
const grads = Float32Array.from([0.5, -1, 2, 0]); // row 2: [0.5, -1]; row 0: [2, 0]

describe("row-sparse optimizers (hand-worked values)", () => {
  it("SGD: w -= lr g on touched rows only", () => {
    const w = rows();
    new RowSgd(3, 2).update(w, ids, grads, 2, 0.1, 1, "by-id");
    expect(Array.from(w)).toEqual([1 - 0.2, 2, 3, 4, 5 - 0.05, 6 + 0.1].map(Math.fround));
  });

  it("SGD with momentum keeps a per-row velocity", () => {
    const w = rows();
    const sgd = new RowSgd(3, 2, 0.9);
    sgd.update(w, ids, grads, 2, 0.1, 1, "by-id");
    sgd.update(w, ids, grads, 2, 0.1, 1, "by-id");
    // v1 = g, v2 = 0.9 g + g = 1.9 g: total step 2.9 * lr * g.
    expect(w[0]).toBeCloseTo(1 - 0.29 * 2, 6);
    expect(w[4]).toBeCloseTo(5 - 0.29 * 0.5, 6);
    expect(w[2]).toBe(3);
  });

  it("element-wise Adagrad: G += g^2, w -= lr g / (sqrt(G) + eps)", () => {
    const w = rows();
    const adagrad = new RowAdagrad(3, 2, { eps: 0, rowwise: false, initialAccumulator: 0 });
    adagrad.update(w, ids, grads, 2, 0.1, 1, "by-id");
    // First step: g / |g| = sign(g); zero gradients leave the weight alone (no 0/0).
    expect(Array.from(w)).toEqual([0.9, 2, 3, 4, 4.9, 6.1].map(Math.fround));
    adagrad.update(w, ids, grads, 2, 0.1, 1, "by-id");
    expect(w[0]).toBeCloseTo(0.9 - (0.1 * 2) / Math.sqrt(8), 6);
    expect(Array.from(adagrad.state()["accumulator"]!)).toEqual([8, 0, 0, 0, 0.5, 2]);
  });

  it("element-wise Adagrad staged through the SIMD kernel equals the table-wide update", () => {
    // 40 rows x 6 dims; 17 touched rows in runs of consecutive ids and alone, staged 4 at a time.
    const dim = 6;
    const kernels = createStepKernels(1 << 12);
    const stage = { rows: kernels.float32(4 * dim), state: kernels.float32(4 * dim + 3) };
    const touched = Int32Array.from([5, 6, 7, 8, 9, 0, 39, 12, 11, 20, 21, 22, 23, 24, 25, 26, 27]);
    const rng = new Rng(4);
    const grads = kernels.float32(touched.length * dim);
    for (let i = 0; i < grads.length; i++) grads[i] = i % 7 === 0 ? 0 : rng.next() - 0.5;
    const table = Float32Array.from({ length: 40 * dim }, () => rng.next() - 0.5);
    const reference = table.slice();
    const options = { eps: 1e-10, rowwise: false, initialAccumulator: 0.1 };
    const staged = new RowAdagrad(40, dim, options);
    const plain = new RowAdagrad(40, dim, options);
    for (let step = 0; step < 3; step++) {
      const count = touched.length - step; // partial last blocks
      expect(staged.updateStaged(table, touched, grads, count, 0.2, kernels, stage)).toBe(true);
      plain.update(reference, touched, grads, count, 0.2, step + 1, "by-id");
    }
    for (let i = 0; i < table.length; i++) expect(table[i]).toBeCloseTo(reference[i]!, 6);
    const [a, b] = [staged.state()["accumulator"]!, plain.state()["accumulator"]!];
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6);
    expect(table[dim]).toBe(reference[dim]); // row 1 never touched
    const rowwise = new RowAdagrad(40, dim, { ...options, rowwise: true });
    expect(rowwise.updateStaged(table, touched, grads, 3, 0.2, kernels, stage)).toBe(false);
  });

  it("row-wise Adagrad keeps one accumulator per row (mean of g^2)", () => {
    const w = rows();
    const adagrad = new RowAdagrad(3, 2, { eps: 1e-10, rowwise: true, initialAccumulator: 0 });
    adagrad.update(w, ids, grads, 2, 0.1, 1, "by-id");
    const g2 = (0.25 + 1) / 2;
    const g0 = (4 + 0) / 2;
    expect(Array.from(adagrad.state()["accumulator"]!)).toEqual([g0, 0, g2].map(Math.fround));
    expect(w[4]).toBeCloseTo(5 - (0.1 * 0.5) / Math.sqrt(g2), 6);
    expect(w[5]).toBeCloseTo(6 + (0.1 * 1) / Math.sqrt(g2), 6);
    expect(w[0]).toBeCloseTo(1 - (0.1 * 2) / Math.sqrt(g0), 6);
  });

  it("lazy Adam: bias-corrected first step moves each touched coordinate by about lr", () => {
    const w = rows();
    const adam = new RowAdam(3, 2, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    adam.update(w, ids, grads, 2, 0.01, 1, "by-id");
    expect(w[0]).toBeCloseTo(1 - 0.01, 5);
    expect(w[1]).toBe(2); // zero gradient: m = v = 0, no move
    expect(w[4]).toBeCloseTo(5 - 0.01, 5);
    expect(w[5]).toBeCloseTo(6 + 0.01, 5);
    expect(w[2]).toBe(3);
    // Second step with the same gradient: m_hat = g, v_hat = g^2 again.
    adam.update(w, ids, grads, 2, 0.01, 2, "by-id");
    expect(w[0]).toBeCloseTo(1 - 0.02, 5);
  });

  it("by-slot layout updates gathered rows exactly as by-id updates the matrix", () => {
    const make = () => [
      new RowSgd(3, 2, 0.9),
      new RowAdagrad(3, 2, { eps: 1e-10, rowwise: false, initialAccumulator: 0.1 }),
      new RowAdam(3, 2, { beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
    ];
    const byId = make();
    const bySlot = make();
    byId.forEach((optimizer, i) => {
      const matrix = rows();
      // Slot s holds row ids[s]: rows 2 then 0.
      const gathered = Float32Array.from([5, 6, 1, 2]);
      for (let step = 1; step <= 2; step++) {
        optimizer.update(matrix, ids, grads, 2, 0.1, step, "by-id");
        bySlot[i]!.update(gathered, ids, grads, 2, 0.1, step, "by-slot");
      }
      expect(Array.from(gathered)).toEqual([matrix[4], matrix[5], matrix[0], matrix[1]]);
      expect(bySlot[i]!.state()).toEqual(optimizer.state());
    });
  });
});
