import { lineError } from "./text-lines.js";

/** A categorical field of a one-hot CTR file and the global feature indices it may use. */
export interface CtrField {
  name: string;
  /** Inclusive range of global indices of this field (omit to accept any). */
  range?: [number, number];
}

/**
 * Parses one libfm/libsvm line `label idx:val idx:val …` with exactly one pair per field, in field
 * order; label `1` is positive, `-1` or `0` negative. Writes the label and the global indices into
 * `out` (length fields + 1, label first). Errors name file:line.
 */
export function parseLibfmLine(
  text: string,
  fields: readonly CtrField[],
  file: string,
  line: number,
  out: Int32Array,
): void {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length !== fields.length + 1) {
    throw lineError(
      file,
      line,
      `expected a label and ${fields.length} idx:value pairs (${fieldList(fields)}), got ${tokens.length} tokens`,
    );
  }
  out[0] = parseLabel(tokens[0] as string, file, line, ["1", "-1", "0", "+1"]);
  for (let f = 0; f < fields.length; f++) {
    const token = tokens[f + 1] as string;
    const colon = token.indexOf(":");
    if (colon <= 0) throw lineError(file, line, `pair ${f + 1} "${token}" is not idx:value`);
    out[f + 1] = parseIndex(token.slice(0, colon), fields[f] as CtrField, file, line);
  }
}

/**
 * Parses one CSV line `label,f1,f2,…` (the BARS layout: a 0/1 label and one global index per
 * field). Writes into `out` like `parseLibfmLine`.
 */
export function parseCsvLine(
  text: string,
  fields: readonly CtrField[],
  file: string,
  line: number,
  out: Int32Array,
): void {
  const tokens = text.split(",");
  if (tokens.length !== fields.length + 1) {
    throw lineError(
      file,
      line,
      `expected ${fields.length + 1} comma-separated values (label,${fieldList(fields)}), got ${tokens.length}`,
    );
  }
  out[0] = parseLabel((tokens[0] as string).trim(), file, line, ["0", "1"]);
  for (let f = 0; f < fields.length; f++)
    out[f + 1] = parseIndex((tokens[f + 1] as string).trim(), fields[f] as CtrField, file, line);
}

function parseLabel(token: string, file: string, line: number, allowed: string[]): number {
  if (!allowed.includes(token))
    throw lineError(file, line, `label "${token}" is not one of ${allowed.join(", ")}`);
  return token === "1" || token === "+1" ? 1 : 0;
}

function parseIndex(token: string, field: CtrField, file: string, line: number): number {
  let index = token.length > 0 && token.length <= 10 ? 0 : -1;
  for (let i = 0; i < token.length && index >= 0; i++) {
    const digit = token.charCodeAt(i) - 48;
    index = digit >= 0 && digit <= 9 ? index * 10 + digit : -1;
  }
  if (index < 0 || index >= 2 ** 31) {
    throw lineError(
      file,
      line,
      `field ${field.name}: "${token}" is not a feature index in [0, 2^31)`,
    );
  }
  if (field.range && (index < field.range[0] || index > field.range[1])) {
    throw lineError(
      file,
      line,
      `field ${field.name}: index ${index} is outside its range ${field.range[0]}–${field.range[1]} (fields out of order, or another dataset?)`,
    );
  }
  return index;
}

function fieldList(fields: readonly CtrField[]): string {
  return fields.map((field) => field.name).join(",");
}
