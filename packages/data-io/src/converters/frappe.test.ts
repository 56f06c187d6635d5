import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "@tml/core";
import { sharedDataDir } from "@tml/core/testing";
import { describe, expect, it } from "vitest";
import { scratchDirs } from "../generators/__fixtures__/scratch.js";
import { readParquetFile } from "../parquet/index.js";
import { duckdbRows } from "./__fixtures__/duckdb.js";
import { convertCtrFiles } from "./ctr-converter.js";
import { convertFrappe, FRAPPE_FIELDS } from "./frappe.js";

const scratch = scratchDirs("tml-ctr-");
const data = sharedDataDir();
const FIELDS = [
  { name: "user", range: [0, 9] as [number, number] },
  { name: "item", range: [10, 19] as [number, number] },
];

describe("convertCtrFiles", () => {
  it("maps each field through a train vocabulary with 0 for unseen values", async () => {
    const input = scratch();
    const output = scratch();
    writeFileSync(join(input, "train.libfm"), "1 3:1 12:1\n-1 1:1 12:1\n0 3:1 15:1\n");
    writeFileSync(join(input, "test.libfm"), "1 3:1 19:1\n");
    const descriptor = await convertCtrFiles(
      { train: join(input, "train.libfm"), test: join(input, "test.libfm") },
      output,
      {
        fields: FIELDS,
        format: "libfm",
        source: {},
      },
    );
    expect(descriptor.ids).toEqual([
      { name: "user", vocab_size: 3 },
      { name: "item", vocab_size: 3 },
    ]);
    expect(descriptor.splits.train!.positives).toEqual({ label: 1 });
    const train = await readParquetFile(join(output, "train.parquet"));
    expect(Array.from(train.getChild("label")!.toArray())).toEqual([1n, 0n, 0n]);
    expect(Array.from(train.getChild("user")!.toArray())).toEqual([2n, 1n, 2n]);
    expect(Array.from(train.getChild("item")!.toArray())).toEqual([1n, 1n, 2n]);
    const test = await readParquetFile(join(output, "test.parquet"));
    expect(Array.from(test.getChild("item")!.toArray())).toEqual([0n]);
    expect(JSON.parse(readFileSync(join(output, "vocab.json"), "utf8"))).toEqual({
      user: [1, 3],
      item: [12, 15],
    });
  });

  it("names file and line of malformed lines and out-of-range indices", async () => {
    const input = scratch();
    const cases: [string, RegExp][] = [
      ["1 3:1 12:1\n1 3:1\n", /train\.libfm:2: expected a label and 2 idx:value pairs/],
      ["1 3:1 12:1\n2 3:1 12:1\n", /train\.libfm:2: label "2"/],
      ["1 12:1 3:1\n", /train\.libfm:1: field user: index 12 is outside its range 0–9/],
      ["1 3:1 x:1\n", /train\.libfm:1: field item: "x" is not a feature index/],
      ["1 3:1 12\n", /pair 2 "12" is not idx:value/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(input, "train.libfm"), text);
      const run = convertCtrFiles({ train: join(input, "train.libfm") }, scratch(), {
        fields: FIELDS,
        format: "libfm",
        source: {},
      });
      await expect(run).rejects.toThrow(message);
      await expect(run).rejects.toBeInstanceOf(DataError);
    }
    writeFileSync(join(input, "train.csv"), "label,item,user\n1,3,12\n");
    await expect(
      convertCtrFiles({ train: join(input, "train.csv") }, scratch(), {
        fields: FIELDS,
        format: "csv",
        source: {},
      }),
    ).rejects.toThrow(/train\.csv:1: expected the header "label,user,item"/);
  });
});

describe.skipIf(!data)("convertFrappe on the real files", () => {
  it("matches SOURCE.md row and positive counts from CSV and libfm alike", async () => {
    const output = scratch();
    const descriptor = await convertFrappe(join(data as string, "frappe"), output);
    expect(descriptor.splits.train).toMatchObject({ rows: 202_027, positives: { label: 67_604 } });
    expect(descriptor.splits.valid).toMatchObject({ rows: 57_722, positives: { label: 19_063 } });
    expect(descriptor.splits.test).toMatchObject({ rows: 28_860, positives: { label: 9_536 } });
    expect(descriptor.ids.map((id) => id.name)).toEqual(FRAPPE_FIELDS.map((field) => field.name));
    expect(descriptor.ids[0]!.vocab_size).toBeLessThanOrEqual(958);
    const [row] = await duckdbRows(
      `SELECT count(*) AS n, sum(label) AS p, max(item) AS maxItem FROM read_parquet('${join(output, "valid.parquet")}')`,
    );
    expect(row).toMatchObject({ n: 57_722n, p: 19_063n });
  });

  it("reads the NFM libfm files to the same rows as the BARS CSV files", async () => {
    const frappe = join(data as string, "frappe");
    const fromCsv = scratch();
    const fromLibfm = scratch();
    const options = { fields: FRAPPE_FIELDS, source: {} };
    await convertCtrFiles({ train: join(frappe, "valid.csv") }, fromCsv, {
      ...options,
      format: "csv",
    });
    await convertCtrFiles({ train: join(frappe, "libfm/frappe.validation.libfm.gz") }, fromLibfm, {
      ...options,
      format: "libfm",
    });
    expect(readFileSync(join(fromLibfm, "vocab.json"), "utf8")).toBe(
      readFileSync(join(fromCsv, "vocab.json"), "utf8"),
    );
    const [a, b] = await Promise.all([
      readParquetFile(join(fromCsv, "train.parquet")),
      readParquetFile(join(fromLibfm, "train.parquet")),
    ]);
    for (const name of ["label", "user", "item", "city"])
      expect(b.getChild(name)!.toArray()).toEqual(a.getChild(name)!.toArray());
  });
});
