import type { EdgeSet } from "../data/edge-set.js";

/**
 * Known true answers for filtered ranking: for (entity, relation, side) the ids that complete a
 * true edge. Keys are `entity * numRelations + relation`; answers are sets.
 */
export class FilterIndex {
  private readonly numRelations: number;
  private readonly tails = new Map<number, Set<number>>();
  private readonly heads = new Map<number, Set<number>>();

  constructor(numRelations: number, edgeSets: EdgeSet[]) {
    this.numRelations = numRelations;
    for (const edges of edgeSets) {
      for (let i = 0; i < edges.size; i++) {
        push(this.tails, edges.lhs[i]! * numRelations + edges.rel[i]!, edges.rhs[i]!);
        push(this.heads, edges.rhs[i]! * numRelations + edges.rel[i]!, edges.lhs[i]!);
      }
    }
  }

  /** True tails of (lhs, rel), or true heads of (rhs, rel). */
  answers(side: "tail" | "head", entity: number, relation: number): ReadonlySet<number> {
    const map = side === "tail" ? this.tails : this.heads;
    return map.get(entity * this.numRelations + relation) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<number> = new Set();

function push(map: Map<number, Set<number>>, key: number, value: number): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}
