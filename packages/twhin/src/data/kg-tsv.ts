import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataError } from "@tml/core";
import { allocateEdges, type EdgeSet } from "./edge-set.js";

/** A knowledge graph read from `train.txt`, `valid.txt`, `test.txt` (head TAB relation TAB tail). */
export interface KnowledgeGraph {
  /** Entity names in id order (sorted by first appearance: train, then valid, then test). */
  entities: string[];
  /** Relation names in id order (first appearance). */
  relations: string[];
  train: EdgeSet;
  valid: EdgeSet;
  test: EdgeSet;
}

/**
 * Reads a KG benchmark folder (FB15k-237, WN18RR, CoDEx, UMLS…) with one shared entity
 * dictionary, so test entities unseen in train keep an (untrained) id: the LibKGE convention.
 */
export function readKnowledgeGraph(dir: string): KnowledgeGraph {
  const entityIds = new Map<string, number>();
  const relationIds = new Map<string, number>();
  const idOf = (map: Map<string, number>, name: string): number => {
    let id = map.get(name);
    if (id === undefined) {
      id = map.size;
      map.set(name, id);
    }
    return id;
  };
  const read = (name: string): EdgeSet => {
    const path = join(dir, name);
    const lines = readFileSync(path, "utf8").split("\n");
    const edges = allocateEdges(lines.length);
    lines.forEach((line, index) => {
      if (line.trim() === "") return;
      const parts = line.split("\t");
      if (parts.length !== 3) {
        throw new DataError(
          `${path}:${index + 1}: expected head<TAB>relation<TAB>tail, got ${parts.length} fields.`,
          {
            details: { file: path, line: index + 1 },
          },
        );
      }
      edges.lhs[edges.size] = idOf(entityIds, parts[0]!.trim());
      edges.rel[edges.size] = idOf(relationIds, parts[1]!.trim());
      edges.rhs[edges.size] = idOf(entityIds, parts[2]!.trim());
      edges.size++;
    });
    return edges;
  };
  const train = read("train.txt");
  const valid = read("valid.txt");
  const test = read("test.txt");
  return {
    entities: [...entityIds.keys()],
    relations: [...relationIds.keys()],
    train,
    valid,
    test,
  };
}
