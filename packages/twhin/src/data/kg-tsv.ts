import { existsSync } from "node:fs";
import { join } from "node:path";
import { readKnowledgeGraphTriples } from "@tml/data-io";
import { allocateEdges, type EdgeSet } from "./edge-set.js";

/** A knowledge graph read from `train.txt`, `valid.txt`, `test.txt` (head TAB relation TAB tail). */
export interface KnowledgeGraph {
  /** Entity names in id order (the code-unit order of the names, over every split). */
  entities: string[];
  /** Relation names in id order (the same order). */
  relations: string[];
  train: EdgeSet;
  /** Empty when the folder has no `valid.txt`. */
  valid: EdgeSet;
  test: EdgeSet;
}

/**
 * Reads a KG benchmark folder (FB15k-237, WN18RR, CoDEx, UMLS…) into memory with one entity and
 * one relation dictionary over every split, so valid/test entities unseen in train keep an
 * (untrained) id: the LibKGE convention. The same parse and ids as `trainer kg` and
 * `tml-data convert kg` (`readKnowledgeGraphTriples` of @tml/data-io): duplicates are kept; a
 * missing `train.txt` or `test.txt` is a NotFoundError (`valid.txt` may be absent), a line without
 * exactly three non-empty tab-separated fields a DataError naming file:line.
 */
export async function readKnowledgeGraph(dir: string): Promise<KnowledgeGraph> {
  const valid = existsSync(join(dir, "valid.txt"));
  const splits = {
    train: "train.txt",
    ...(valid ? { valid: "valid.txt" } : {}),
    test: "test.txt",
  };
  const kg = await readKnowledgeGraphTriples(dir, { splits });
  const edges = (split: string): EdgeSet => {
    const triples = kg.splits.get(split);
    const out = allocateEdges(triples?.lhs.length ?? 0);
    if (!triples) return out;
    out.lhs.set(triples.lhs);
    out.rel.set(triples.rel);
    out.rhs.set(triples.rhs);
    out.size = triples.lhs.length;
    return out;
  };
  return {
    entities: kg.entities,
    relations: kg.relations,
    train: edges("train"),
    valid: edges("valid"),
    test: edges("test"),
  };
}
