import { describe, expect, it } from "vitest";
import { gatherTableRows, rowViews, scatterTableRows, touchChecksum } from "./table-rows.js";

describe("table row gather / scatter", () => {
  it("copies the listed rows in slot order and writes them back to their rows only", () => {
    const dim = 21; // not a multiple of the 16-float touch stride
    const table = Float32Array.from({ length: 6 * dim }, (_, i) => i);
    const ids = Int32Array.from([4, 1, 5]);
    const rows = new Float32Array(3 * dim);
    gatherTableRows(table, ids, 3, dim, rows);
    expect(rows[0]).toBe(4 * dim);
    expect(rows[dim + 3]).toBe(dim + 3);
    expect(rows[3 * dim - 1]).toBe(6 * dim - 1);
    // The touch pass read row 4's first float, ..., row 5's last one.
    expect(touchChecksum()).toBeGreaterThan(0);
    for (let i = 0; i < rows.length; i++) rows[i] = -rows[i]!;
    scatterTableRows(rowViews(rows, dim), ids, 3, dim, table);
    expect(table[4 * dim + 7]).toBe(-(4 * dim + 7));
    expect(table[5 * dim]).toBe(-5 * dim);
    expect(table[dim]).toBe(-dim);
    expect(table[2 * dim + 5]).toBe(2 * dim + 5); // untouched rows 0, 2, 3 keep their values
    expect(table[0 * dim + 1]).toBe(1);
  });

  it("copies consecutive ids (1vsAll's slots) as one block, and a single row", () => {
    const dim = 5;
    const table = Float32Array.from({ length: 6 * dim }, (_, i) => i);
    const rows = new Float32Array(4 * dim).fill(-1);
    gatherTableRows(table, Int32Array.from([1, 2, 3, 4]), 4, dim, rows);
    expect(Array.from(rows)).toEqual(Array.from(table.subarray(dim, 5 * dim)));
    gatherTableRows(table, Int32Array.from([5, 0]), 1, dim, rows);
    expect(Array.from(rows.subarray(0, dim))).toEqual([25, 26, 27, 28, 29]);
    expect(rows[dim]).toBe(2 * dim); // past count: untouched
  });
});
