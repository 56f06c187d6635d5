import type { EdgeSet } from "../data/edge-set.js";

/**
 * Known true answers for filtered ranking: for (entity, relation, side) the ids that complete a
 * true edge. Keys are `entity * numRelations + relation`; lists are Int32Arrays.
 */
export class FilterIndex {
  private readonly numRelations: number;
  private readonly tails = new Map<number, number[]>();
  private readonly heads = new Map<number, number[]>();

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
  answers(side: "tail" | "head", entity: number, relation: number): readonly number[] {
    const map = side === "tail" ? this.tails : this.heads;
    return map.get(entity * this.numRelations + relation) ?? EMPTY;
  }
}

const EMPTY: readonly number[] = [];

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}
