/** A cell of a terminal table. */
export type Cell = string | number | null | undefined;

/** Numbers as they read best in a table: integers plain, others 4 significant decimals. */
export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(3);
  return value.toFixed(4);
}

/** A plain-text table: header, rule, rows; the first column left-aligned, numbers right-aligned. */
export function formatTable(
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const text = rows.map((row) => columns.map((_, c) => formatCell(row[c])));
  const widths = columns.map((name, c) =>
    Math.max(name.length, ...text.map((row) => (row[c] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) =>
        c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number),
      )
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...text.map(line),
  ].join("\n");
}
