import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotFoundError } from "@tml/core";
import { describe, expect, it } from "vitest";
import { recapDataConfigSchema } from "../config/data-config.js";
import { selectInputFiles } from "./input-files.js";

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), "inputs-"));
  for (const file of files) {
    mkdirSync(join(root, file, ".."), { recursive: true });
    writeFileSync(join(root, file), "");
  }
  return root;
}

const data = (selection: object) =>
  recapDataConfigSchema.parse({
    global_batch_size: 1,
    seg_dense_schema: { schema_path: "s.json" },
    tasks: {},
    ...selection,
  });

describe("selectInputFiles", () => {
  it("takes the hours strictly before end_datetime, across midnight", async () => {
    const root = tree([
      "2023/03/31/23/a.gz",
      "2023/03/31/23/b.parquet",
      "2023/04/01/00/c.gz",
      "2023/04/01/01/ignored.gz",
      "2023/03/31/22/notes.txt",
      "2023/03/31/21/d.gz",
    ]);
    const inputs = {
      data_root: root,
      end_datetime: "2023/04/01/01",
      hours: 3,
      num_missing_hours_tol: 1,
    };
    const files = await selectInputFiles(data({ explicit_datetime_inputs: inputs }));
    expect(files.map((file) => file.slice(root.length + 1))).toEqual([
      "2023/03/31/23/a.gz",
      "2023/03/31/23/b.parquet",
      "2023/04/01/00/c.gz",
    ]);
    await expect(
      selectInputFiles(data({ explicit_datetime_inputs: { ...inputs, num_missing_hours_tol: 0 } })),
    ).rejects.toThrow(/1 hours have no data.*2023\/03\/31\/22/);
  });

  it("takes whole days before end_date and keeps the first N files", async () => {
    const root = tree([
      "2023/03/30/x.gz",
      "2023/03/30/y.gz",
      "2023/03/31/z.gz",
      "2023/04/01/later.gz",
    ]);
    const selection = {
      explicit_date_inputs: { data_root: root, end_date: "2023/04/01", days: 2 },
      num_files_to_keep: 2,
    };
    const files = await selectInputFiles(data(selection));
    expect(files.map((file) => file.slice(root.length + 1))).toEqual([
      "2023/03/30/x.gz",
      "2023/03/30/y.gz",
    ]);
  });

  it("resolves globs sorted and fails clearly when nothing matches", async () => {
    const root = tree(["b.parquet", "a.parquet", "c.txt"]);
    const files = await selectInputFiles(data({ inputs: join(root, "*.parquet") }));
    expect(files.map((file) => file.slice(root.length + 1))).toEqual(["a.parquet", "b.parquet"]);
    await expect(selectInputFiles(data({ inputs: join(root, "*.gz") }))).rejects.toThrow(
      NotFoundError,
    );
    const bad = data({
      explicit_date_inputs: { data_root: root, end_date: "2023-04-01", days: 1 },
    });
    await expect(selectInputFiles(bad)).rejects.toThrow(/YYYY\/MM\/DD/);
  });
});
