import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@tml/core";
import { type RankerDataReport, type WriteRankerDataOptions, writeRankerData } from "@tml/data-io";

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Generates `trainRows + validationRows` Heavy Ranker rows from one planted model (so both splits
 * share it) and splits them by files into `<dir>/train/` (with `segdense.json` and, written last,
 * `generator.json`) and `<dir>/validation/`. The two sizes must share a divisor ≥ 100 (the shard
 * size); ConfigError naming `keys` otherwise. Returns the generator's report and the first
 * validation file.
 */
export async function writeRankerSplits(
  dir: string,
  options: Omit<WriteRankerDataOptions, "rows" | "shardRows"> & {
    trainRows: number;
    validationRows: number;
    keys?: [string, string];
  },
): Promise<{ report: RankerDataReport; firstValidationFile: string }> {
  const { trainRows, validationRows, keys = ["rows", "validation rows"], ...generator } = options;
  const shardRows = gcd(trainRows, validationRows);
  if (shardRows < 100) {
    throw new ConfigError(
      `${keys[0]} (${trainRows}) and ${keys[1]} (${validationRows}) must share a divisor ≥ 100 (the split is by files); use multiples of 1000.`,
      { details: { path: keys[1].split(".") } },
    );
  }
  const staging = join(dir, "all");
  rmSync(staging, { recursive: true, force: true });
  const report = await writeRankerData(staging, {
    ...generator,
    rows: trainRows + validationRows,
    shardRows,
  });
  const trainFiles = trainRows / shardRows;
  for (const split of ["train", "validation"]) mkdirSync(join(dir, split), { recursive: true });
  report.files.forEach((file, index) => {
    renameSync(
      join(staging, file.path),
      join(dir, index < trainFiles ? "train" : "validation", file.path),
    );
  });
  // Configs read train/segdense.json; generator.json goes last and marks the output complete.
  renameSync(join(staging, "segdense.json"), join(dir, "train", "segdense.json"));
  renameSync(join(staging, "generator.json"), join(dir, "train", "generator.json"));
  rmSync(staging, { recursive: true, force: true });
  return {
    report,
    firstValidationFile: join(dir, "validation", report.files[trainFiles]?.path as string),
  };
}
