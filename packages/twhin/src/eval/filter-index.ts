import type { EdgeSet } from "../data/edge-set.js";

/**
 * Known true answers for filtered ranking: for (entity, relation, side) the ids that complete a
 * true edge. Keys are `entity * numRelations + relation`; answers are sets. Given `queries` (the
 * edges to be ranked), only the answers those edges' tail and head queries ask for are kept, so
 * the index stays the size of the evaluated edges' neighbourhoods, not of the training graph.
 */
export class FilterIndex {
  private readonly numRelations: number;
  private readonly tails = new Map<number, Set<number>>();
  private readonly heads = new Map<number, Set<number>>();

  constructor(numRelations: number, edgeSets: EdgeSet[], queries?: EdgeSet) {
    this.numRelations = numRelations;
    let wanted: { tails: Set<number>; heads: Set<number> } | undefined;
    if (queries) {
      wanted = { tails: new Set(), heads: new Set() };
      for (let i = 0; i < queries.size; i++) {
        wanted.tails.add(queries.lhs[i]! * numRelations + queries.rel[i]!);
        wanted.heads.add(queries.rhs[i]! * numRelations + queries.rel[i]!);
      }
    }
    for (const edges of edgeSets) {
      for (let i = 0; i < edges.size; i++) {
        const tailKey = edges.lhs[i]! * numRelations + edges.rel[i]!;
        const headKey = edges.rhs[i]! * numRelations + edges.rel[i]!;
        if (!wanted || wanted.tails.has(tailKey)) push(this.tails, tailKey, edges.rhs[i]!);
        if (!wanted || wanted.heads.has(headKey)) push(this.heads, headKey, edges.lhs[i]!);
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
