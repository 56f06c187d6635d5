import * as arrow from "apache-arrow";

/** A Parquet/Arrow cell as plain JSON: numbers, strings, booleans, null, arrays; int64 as number when exact. */
export type JsonValue = number | string | boolean | null | JsonValue[];

/** Converts an Arrow cell (`vector.get(row)`) to a JSON value. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint")
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean")
    return value;
  if (value instanceof arrow.Vector)
    return Array.from(value.toArray() as ArrayLike<unknown>, toJsonValue);
  if (ArrayBuffer.isView(value))
    return Array.from(value as unknown as ArrayLike<unknown>, toJsonValue);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && "toJSON" in (value as object))
    return (value as { toJSON: () => JsonValue }).toJSON();
  return String(value);
}

/** Short text for a table cell: long lists show their first values and length. */
export function previewCell(value: JsonValue, listPreview = 4): string {
  if (Array.isArray(value)) {
    const head = value.slice(0, listPreview).map((item) => previewCell(item, listPreview));
    return value.length > listPreview
      ? `[${head.join(", ")}, …] (${value.length})`
      : `[${head.join(", ")}]`;
  }
  if (typeof value === "number" && !Number.isInteger(value))
    return String(Number(value.toPrecision(6)));
  return value === null ? "null" : String(value);
}

/** Left-aligned text table with a header row. */
export function leftAlignedTable(header: string[], rows: string[][]): string {
  const widths = header.map((name, c) =>
    Math.max(name.length, ...rows.map((row) => (row[c] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
