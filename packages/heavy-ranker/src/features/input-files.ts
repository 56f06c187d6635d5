import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, NotFoundError } from "@tml/core";
import { resolveDatasetFiles } from "@tml/data-io";
import type {
  ExplicitDateInputs,
  ExplicitDatetimeInputs,
  RecapDataConfig,
} from "../config/data-config.js";

const DATA_FILE = /\.(gz|parquet|arrow|tfrecord)$/;
const pad = (value: number) => String(value).padStart(2, "0");

function parseUtc(text: string, withHour: boolean, key: string): Date {
  const match = (
    withHour ? /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})$/ : /^(\d{4})\/(\d{2})\/(\d{2})$/
  ).exec(text);
  if (!match) {
    throw new ConfigError(
      `${key} "${text}" must be formatted ${withHour ? "YYYY/MM/DD/HH" : "YYYY/MM/DD"}`,
    );
  }
  const [, year, month, day, hour] = match.map(Number) as number[];
  return new Date(Date.UTC(year as number, (month as number) - 1, day, hour ?? 0));
}

function filesIn(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => DATA_FILE.test(name) && !name.startsWith("."))
      .map((name) => join(directory, name))
      .sort();
  } catch {
    return [];
  }
}

function periodFiles(
  dataRoot: string,
  end: Date,
  count: number,
  stepMs: number,
  folder: (date: Date) => string,
  tolerance: number,
  unit: string,
): string[] {
  const folders = Array.from({ length: count }, (_, index) =>
    folder(new Date(end.getTime() - (index + 1) * stepMs)),
  );
  const files: string[] = [];
  const missing: string[] = [];
  for (const name of folders.sort()) {
    const found = filesIn(join(dataRoot, name));
    if (found.length === 0) missing.push(name);
    files.push(...found);
  }
  if (missing.length > tolerance) {
    throw new NotFoundError(
      `${missing.length} ${unit}s have no data under ${dataRoot} (tolerance ${tolerance}): ${missing.slice(0, 5).join(", ")}`,
    );
  }
  return files;
}

/** Files of the `hours` hourly folders `<data_root>/YYYY/MM/DD/HH` strictly before `end_datetime` (UTC). */
export function explicitDatetimeFiles(inputs: ExplicitDatetimeInputs): string[] {
  const end = parseUtc(inputs.end_datetime, true, "explicit_datetime_inputs.end_datetime");
  const folder = (date: Date) =>
    `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCHours())}`;
  return periodFiles(
    inputs.data_root,
    end,
    inputs.hours,
    3_600_000,
    folder,
    inputs.num_missing_hours_tol,
    "hour",
  );
}

/** Files of the `days` daily folders `<data_root>/YYYY/MM/DD` strictly before `end_date` (UTC). */
export function explicitDateFiles(inputs: ExplicitDateInputs): string[] {
  const end = parseUtc(inputs.end_date, false, "explicit_date_inputs.end_date");
  const folder = (date: Date) =>
    `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
  return periodFiles(
    inputs.data_root,
    end,
    inputs.days,
    86_400_000,
    folder,
    inputs.num_missing_days_tol,
    "day",
  );
}

/**
 * A dataset's input files (`projects/home/recap/data/dataset.py`), sorted: the `inputs` glob, or
 * the data files (`.gz`, `.parquet`, `.arrow`, `.tfrecord`) of the hourly / daily folders before
 * the end time (a missing or empty folder counts against the tolerance; this path is broken in the
 * original and works here); then the first `num_files_to_keep`. NotFoundError when nothing is
 * found.
 */
export async function selectInputFiles(data: RecapDataConfig): Promise<string[]> {
  let files: string[];
  if (data.inputs) files = await resolveDatasetFiles(data.inputs);
  else if (data.explicit_datetime_inputs)
    files = explicitDatetimeFiles(data.explicit_datetime_inputs);
  else if (data.explicit_date_inputs) files = explicitDateFiles(data.explicit_date_inputs);
  else
    throw new ConfigError(
      "the dataset sets none of inputs, explicit_datetime_inputs, explicit_date_inputs",
    );
  if (files.length === 0) throw new NotFoundError("the dataset's input selection found no files");
  return data.num_files_to_keep ? files.slice(0, data.num_files_to_keep) : files;
}
