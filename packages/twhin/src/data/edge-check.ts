import { DataError } from "@tml/core";
import type { EdgeSet } from "./edge-set.js";

/** The entity tables and relations that edges refer to (a `TwhinModel` is one). */
export interface EdgeSchema {
  readonly tables: readonly { readonly name: string; readonly rows: number }[];
  readonly relations: readonly {
    readonly name: string;
    readonly lhsTable: number;
    readonly rhsTable: number;
  }[];
}

/** What is wrong with one edge: the offending column, its value and a sentence saying why. */
export interface EdgeProblem {
  column: "lhs" | "rel" | "rhs";
  value: number;
  reason: string;
}

/**
 * Why the edge (lhs, rel, rhs) does not fit `schema` (relation index out of range, an id beyond
 * its table's rows), or undefined when it fits. Allocates nothing for a valid edge.
 */
export function edgeProblem(
  schema: EdgeSchema,
  lhs: number,
  rel: number,
  rhs: number,
): EdgeProblem | undefined {
  const relations = schema.relations;
  if (!(rel >= 0 && rel < relations.length)) {
    const known = relations.map((relation, index) => `${index} ${relation.name}`).join(", ");
    return {
      column: "rel",
      value: rel,
      reason: `relation ${rel} is not one of the config's ${relations.length} relations (${known})`,
    };
  }
  const relation = relations[rel]!;
  const lhsRows = schema.tables[relation.lhsTable]!.rows;
  if (!(lhs >= 0 && lhs < lhsRows)) return idProblem(schema, relation, "lhs", lhs);
  const rhsRows = schema.tables[relation.rhsTable]!.rows;
  if (!(rhs >= 0 && rhs < rhsRows)) return idProblem(schema, relation, "rhs", rhs);
  return undefined;
}

function idProblem(
  schema: EdgeSchema,
  relation: EdgeSchema["relations"][number],
  column: "lhs" | "rhs",
  id: number,
): EdgeProblem {
  const table = schema.tables[column === "lhs" ? relation.lhsTable : relation.rhsTable]!;
  return {
    column,
    value: id,
    reason: `${column} id ${id} of relation "${relation.name}" is outside table "${table.name}" (${table.rows} rows, ids 0..${table.rows - 1})`,
  };
}

/**
 * Where edge `index` of `edges` came from: `<file> row <n>` when `readEdges` read it (rows count
 * from 0 within the file), else `<label> edge <index>`.
 */
export function edgeLocation(edges: EdgeSet, index: number, label: string): string {
  const sources = edges.sources ?? [];
  for (let s = sources.length - 1; s >= 0; s--) {
    const source = sources[s]!;
    if (index >= source.start)
      return `${source.file} row ${source.firstRow + index - source.start}`;
  }
  return `${label} edge ${index}`;
}

/**
 * Checks every edge of `edges` against `schema` (relations and table rows of the model that will
 * score them). Throws a DataError naming the file and row of the first bad edge (`label` names
 * edges that did not come from a file: "evaluation edges").
 */
export function checkEdges(schema: EdgeSchema, edges: EdgeSet, label: string): void {
  for (let e = 0; e < edges.size; e++) {
    const problem = edgeProblem(schema, edges.lhs[e]!, edges.rel[e]!, edges.rhs[e]!);
    if (problem === undefined) continue;
    const where = edgeLocation(edges, e, label);
    throw new DataError(
      `${where}: ${problem.reason}; the data does not match the model's config.`,
      { details: { where, column: problem.column, value: problem.value } },
    );
  }
}
