import { DataError } from "@tml/core";
import type { EdgeBatch } from "../data/edge-batch.js";
import type { TwhinModel } from "../model/twhin-model.js";

/**
 * Checks a batch against the model: relation indices in range, ids within their tables' rows.
 * Throws DataError naming the edge, the column and the limit (`where` names the source).
 */
export function validateBatch(model: TwhinModel, batch: EdgeBatch, where: string): void {
  const relations = model.relations;
  for (let i = 0; i < batch.size; i++) {
    const r = batch.rel[i]!;
    if (!(r >= 0 && r < relations.length)) {
      throw new DataError(
        `${where}: edge ${i} has relation ${r}; the config defines ${relations.length} relations (0..${relations.length - 1}).`,
        { details: { where, edge: i, column: "rel", value: r } },
      );
    }
    const relation = relations[r]!;
    const sides = [
      ["lhs", batch.lhs[i]!, relation.lhsTable],
      ["rhs", batch.rhs[i]!, relation.rhsTable],
    ] as const;
    for (const [column, id, tableIndex] of sides) {
      const table = model.tables[tableIndex]!;
      if (!(id >= 0 && id < table.rows)) {
        throw new DataError(
          `${where}: edge ${i} (relation "${relation.name}") has ${column} id ${id}, outside table "${table.name}" (${table.rows} rows).`,
          { details: { where, edge: i, column, value: id, table: table.name } },
        );
      }
    }
  }
}
