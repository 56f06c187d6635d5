import type { TwhinModel } from "../model/twhin-model.js";
import type { EdgeGroups } from "./edge-groups.js";
import type { StepSettings } from "./step-settings.js";

/**
 * 1vsAll (`global_negatives: all`): the global block of a score row holds every row of the target
 * table, the positive among them. Scores -Infinity into the positive's own column and into the
 * columns past the target table's rows (tables smaller than the largest), so that the softmax
 * loss is the cross-entropy over the entity type with the positive counted once, and those
 * columns get no gradient.
 */
export function maskOneVsAll(
  model: TwhinModel,
  direction: number,
  groups: EdgeGroups,
  size: number,
  scores: Float32Array,
  width: number,
  column: number,
  settings: StepSettings,
): void {
  const columns = settings.globalNegatives;
  const tail = direction === 0;
  for (let row = 0; row < size; row++) {
    const relation = model.relations[groups.relation[row]!]!;
    const rows = model.tables[tail ? relation.rhsTable : relation.lhsTable]!.rows;
    const base = row * width + column;
    scores[base + (tail ? groups.rhs[row]! : groups.lhs[row]!)] = Number.NEGATIVE_INFINITY;
    if (rows < columns) scores.fill(Number.NEGATIVE_INFINITY, base + rows, base + columns);
  }
}
