import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError, UsageError } from "@tml/core";
import * as arrow from "apache-arrow";
import { countParquetRows, type ParquetReader, withParquetReader } from "../parquet/index.js";
import { type CliIo, columnsFlag, numberFlag, type ParsedArgs } from "./args.js";
import { type JsonValue, leftAlignedTable, previewCell, toJsonValue } from "./cell-values.js";

/** `head` refuses reads estimated above this many bytes, as the original's tools/pq.py does. */
export const HEAD_BYTE_LIMIT = 500_000_000;

/** `tml-data head FILE`: the first `--num` rows (default 10) as a table or JSON lines. */
export async function headCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const path = onePath("head", args);
  const num = numberFlag("head", args, "num", 10, { min: 1 });
  const columns = columnsFlag(args);
  const rows = await withParquetReader(path, async (reader) => {
    const schema = reader.projectSchema(columns);
    const estimate = num * estimateRowBytes(schema);
    if (estimate > HEAD_BYTE_LIMIT) {
      throw new UsageError(
        `tml-data head: ${num} rows of ${path} would take about ${Math.round(estimate / 1e6)} MB (limit 500 MB); pass --columns or a smaller --num.`,
      );
    }
    return readFirstRows(reader, num, columns);
  });
  if (args.values.json) {
    for (const row of rows.values)
      io.stdout(
        `${JSON.stringify(Object.fromEntries(rows.names.map((name, c) => [name, row[c]])))}\n`,
      );
    return;
  }
  io.stdout(
    `${leftAlignedTable(
      rows.names,
      rows.values.map((row) => row.map((cell) => previewCell(cell))),
    )}\n`,
  );
}

/** `tml-data schema FILE`: column names and Arrow types, from the footer alone. */
export async function schemaCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const path = onePath("schema", args);
  const { schema, rows, rowGroups } = await withParquetReader(path, async (reader) => ({
    schema: reader.schema,
    rows: reader.numRows,
    rowGroups: reader.numRowGroups,
  }));
  const fields = schema.fields.map((field) => ({
    name: field.name,
    type: String(field.type),
    nullable: field.nullable,
  }));
  if (args.values.json) {
    io.stdout(`${JSON.stringify({ file: path, rows, row_groups: rowGroups, fields })}\n`);
    return;
  }
  io.stdout(`${path}: ${rows} rows in ${rowGroups} row group(s)\n`);
  io.stdout(
    `${leftAlignedTable(
      ["column", "type", "nullable"],
      fields.map((f) => [f.name, f.type, String(f.nullable)]),
    )}\n`,
  );
}

/** `tml-data distinct FILE`: distinct values per column over the first `--num` rows (list elements for lists). */
export async function distinctCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const path = onePath("distinct", args);
  const num = numberFlag("distinct", args, "num", 10, { min: 1 });
  const rows = await withParquetReader(path, (reader) =>
    readFirstRows(reader, num, columnsFlag(args)),
  );
  const distinct: Record<string, JsonValue[]> = {};
  rows.names.forEach((name, c) => {
    const seen = new Map<string, JsonValue>();
    for (const row of rows.values) {
      const cell = row[c] as JsonValue;
      for (const value of Array.isArray(cell) ? cell : [cell])
        seen.set(JSON.stringify(value), value);
    }
    distinct[name] = [...seen.values()].sort(compareJson);
  });
  if (args.values.json) {
    io.stdout(`${JSON.stringify(distinct)}\n`);
    return;
  }
  for (const [name, values] of Object.entries(distinct)) {
    const shown = values.slice(0, 20).map((value) => previewCell(value));
    io.stdout(
      `${name} (${values.length} distinct in ${rows.values.length} rows): ${shown.join(", ")}${values.length > 20 ? ", …" : ""}\n`,
    );
  }
}

/** `tml-data count PATH…`: rows per Parquet file (folders: every *.parquet inside) and the total. */
export async function countCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  if (args.positionals.length === 0)
    throw new UsageError(
      'tml-data count: name at least one Parquet file or folder. Run "tml-data count --help".',
    );
  const files = args.positionals.flatMap(expandPath);
  const counts: { file: string; rows: number }[] = [];
  for (const file of files) counts.push({ file, rows: await countParquetRows(file) });
  const total = counts.reduce((sum, entry) => sum + entry.rows, 0);
  if (args.values.json) {
    io.stdout(`${JSON.stringify({ total, files: counts })}\n`);
    return;
  }
  for (const entry of counts) io.stdout(`${entry.rows}\t${entry.file}\n`);
  if (counts.length > 1) io.stdout(`${total}\ttotal\n`);
}

interface FirstRows {
  names: string[];
  values: JsonValue[][];
}

async function readFirstRows(
  reader: ParquetReader,
  num: number,
  columns: string[] | undefined,
): Promise<FirstRows> {
  const names = columns ?? reader.projectSchema(columns).fields.map((field) => field.name);
  reader.projectSchema(columns); // a missing column is a DataError naming the file
  const values: JsonValue[][] = [];
  for (let group = 0; group < reader.numRowGroups && values.length < num; group++) {
    for (const batch of await reader.readRowGroup(group, columns)) {
      const children = names.map((name) => batch.getChild(name));
      for (let row = 0; row < batch.numRows && values.length < num; row++)
        values.push(children.map((child) => toJsonValue(child?.get(row))));
    }
  }
  return { names, values };
}

// Bytes per row from the schema: fixed-width values times list sizes; variable-width counts 1 (as pq.py).
function estimateRowBytes(schema: arrow.Schema): number {
  const bytes = (type: arrow.DataType): number => {
    if (arrow.DataType.isFixedSizeList(type)) return type.listSize * bytes(type.children[0]!.type);
    if (arrow.DataType.isList(type)) return 1;
    if (arrow.DataType.isStruct(type))
      return type.children.reduce((sum, child) => sum + bytes(child.type), 0);
    const width = (type as { bitWidth?: number }).bitWidth;
    return width ? width / 8 : 1;
  };
  return schema.fields.reduce((sum, field) => sum + bytes(field.type), 0);
}

function onePath(command: string, args: ParsedArgs): string {
  if (args.positionals.length !== 1) {
    throw new UsageError(
      `tml-data ${command}: name exactly one Parquet file (got ${args.positionals.length}). Run "tml-data ${command} --help".`,
    );
  }
  return args.positionals[0] as string;
}

function expandPath(path: string): string[] {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return [path]; // the reader reports the missing file
  }
  if (!isDirectory) return [path];
  const files = readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".parquet"))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0)
    throw new NotFoundError(`${path} holds no .parquet files (searched its sub-folders too).`, {
      details: { path },
    });
  return files;
}

function compareJson(a: JsonValue, b: JsonValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
