import { TmlError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { int64ToInt32, int64ToNumbers } from "./int64-conversions.js";

describe("int64 conversions", () => {
  it("converts values that fit, exactly", () => {
    const values = BigInt64Array.from([0n, 1n, -1n, 2147483647n, -2147483648n]);
    expect([...int64ToInt32(values, { column: "id" })]).toEqual([
      0, 1, -1, 2147483647, -2147483648,
    ]);
    const wide = BigInt64Array.from([2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 40n + 3n, -5n]);
    expect([...int64ToNumbers(wide, { column: "id" })]).toEqual([
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      2 ** 40 + 3,
      -5,
    ]);
  });

  it("names the column, file and row of an id that does not fit", () => {
    const values = BigInt64Array.from([1n, 2n, 2147483648n]);
    const error = (() => {
      try {
        int64ToInt32(values, { column: "lhs", file: "edges.parquet", firstRow: 100 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(TmlError.isInstance(error, "DATA")).toBe(true);
    expect((error as Error).message).toMatch(
      /column "lhs" of edges\.parquet: row 102 holds 2147483648/,
    );
    expect(() =>
      int64ToInt32(BigInt64Array.from([3n, 10n]), { column: "rhs", maxExclusive: 10 }),
    ).toThrow(/row 1 holds 10, which does not fit in \[0, 10\)/);
    expect(() =>
      int64ToInt32(BigInt64Array.from([-1n]), { column: "rhs", maxExclusive: 10 }),
    ).toThrow(/row 0/);
    expect(() =>
      int64ToNumbers(BigInt64Array.from([0n, 2n ** 53n]), { column: "id", rowLength: 1 }),
    ).toThrow(/row 1/);
  });
});
