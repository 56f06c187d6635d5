import { join } from "node:path";
import { convertCtrFiles } from "./ctr-converter.js";
import type { CtrField } from "./ctr-lines.js";
import type { RankerDatasetDescriptor } from "./ranker-descriptor.js";

/** The 10 Frappe fields in file order with their global index ranges (frappe/SOURCE.md). */
export const FRAPPE_FIELDS: readonly CtrField[] = [
  { name: "user", range: [0, 956] },
  { name: "item", range: [957, 5038] },
  { name: "daytime", range: [5039, 5045] },
  { name: "weekday", range: [5046, 5052] },
  { name: "isweekend", range: [5053, 5054] },
  { name: "homework", range: [5055, 5057] },
  { name: "cost", range: [5058, 5059] },
  { name: "weather", range: [5060, 5068] },
  { name: "country", range: [5069, 5148] },
  { name: "city", range: [5149, 5381] },
];

const FILES = {
  csv: { train: "train_reconstructed.csv.gz", valid: "valid.csv", test: "test.csv" },
  libfm: {
    train: "libfm/frappe.train_reconstructed.libfm.gz",
    valid: "libfm/frappe.validation.libfm.gz",
    test: "libfm/frappe.test.libfm.gz",
  },
} as const;

/**
 * Converts the Frappe CTR benchmark (BARS Frappe_x1, 7:2:1 split: reconstructed train 202,027 /
 * valid 57,722 / test 28,860) from the BARS CSV files (default) or the NFM libfm files into ranker
 * Parquet with one id column per field and a 0/1 `label` (see `convertCtrFiles`).
 */
export async function convertFrappe(
  inDir: string,
  outDir: string,
  options: { format?: "csv" | "libfm" } = {},
): Promise<RankerDatasetDescriptor> {
  const format = options.format ?? "csv";
  const files = Object.fromEntries(
    Object.entries(FILES[format]).map(([split, file]) => [split, join(inDir, file)]),
  );
  return convertCtrFiles(files, outDir, {
    fields: FRAPPE_FIELDS,
    format,
    source: {
      converter: "@tml/data-io convertFrappe",
      input: inDir,
      format,
      files: FILES[format],
      split: "BARS Frappe_x1 7:2:1 (train reconstructed)",
    },
  });
}
