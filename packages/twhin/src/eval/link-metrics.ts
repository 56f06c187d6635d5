import type { EdgeSchema } from "../data/edge-check.js";
import type { EdgeSet } from "../data/edge-set.js";
import { RankAccumulator, type RankingMetrics } from "./rank-accumulator.js";

/** Ranking metrics of a set of edges: both directions together, and each alone. */
export interface DirectionMetrics {
  /** Tail and head queries together (2 per edge). */
  both: RankingMetrics;
  /** Tail queries: (lhs, rel, ?) ranks the rhs. */
  tail: RankingMetrics;
  /** Head queries: (?, rel, rhs) ranks the lhs. */
  head: RankingMetrics;
}

/**
 * Filtered link-prediction metrics: every evaluated edge, each relation's edges, and, when the
 * training entities are given, warm and cold edges apart.
 */
export interface LinkPredictionResult extends DirectionMetrics {
  /** Per relation name, the relations that have evaluated edges (in the config's order). */
  perRelation: Record<string, DirectionMetrics>;
  /** Edges whose two endpoints both occur in the training edges (with `trainingEntities`). */
  warm?: DirectionMetrics;
  /** Edges with an endpoint that never occurs in the training edges: cold start. */
  cold?: DirectionMetrics;
}

/**
 * Which entities occur in the training edges: one flag per row of every table of `schema`
 * (1 = the entity is an endpoint of at least one training edge). Edges must fit the schema.
 */
export function trainingEntities(schema: EdgeSchema, train: EdgeSet): Uint8Array[] {
  const seen = schema.tables.map((table) => new Uint8Array(table.rows));
  for (let e = 0; e < train.size; e++) {
    const relation = schema.relations[train.rel[e]!]!;
    seen[relation.lhsTable]![train.lhs[e]!] = 1;
    seen[relation.rhsTable]![train.rhs[e]!] = 1;
  }
  return seen;
}

const SIDES = ["tail", "head"] as const;

/**
 * One RankAccumulator per (relation, side, warm or cold) slot; the result merges them into the
 * totals, the per-relation metrics and the warm / cold split.
 */
export class LinkAccumulators {
  private readonly slots: RankAccumulator[];

  constructor(
    private readonly relationNames: readonly string[],
    private readonly split: boolean,
  ) {
    this.slots = Array.from({ length: relationNames.length * 4 }, () => new RankAccumulator());
  }

  /** The accumulator of a query on `side` of an edge of `relation`, `cold` or warm. */
  accumulator(relation: number, side: "tail" | "head", cold: boolean): RankAccumulator {
    return this.slots[(relation * 2 + (side === "tail" ? 0 : 1)) * 2 + (cold ? 1 : 0)]!;
  }

  /** The metrics of every slice. */
  result(): LinkPredictionResult {
    const all = (relation: number | undefined, cold: boolean | undefined) =>
      this.metrics(
        (r, c) => (relation === undefined || r === relation) && (cold === undefined || c === cold),
      );
    const perRelation: Record<string, DirectionMetrics> = {};
    this.relationNames.forEach((name, relation) => {
      const metrics = all(relation, undefined);
      if (metrics.both.count > 0) perRelation[name] = metrics;
    });
    return {
      ...all(undefined, undefined),
      perRelation,
      ...(this.split ? { warm: all(undefined, false), cold: all(undefined, true) } : {}),
    };
  }

  private metrics(keep: (relation: number, cold: boolean) => boolean): DirectionMetrics {
    const pick = (sides: readonly ("tail" | "head")[]) => {
      const parts: RankAccumulator[] = [];
      this.relationNames.forEach((_, relation) => {
        for (const side of sides)
          for (const cold of [false, true])
            if (keep(relation, cold)) parts.push(this.accumulator(relation, side, cold));
      });
      return RankAccumulator.merge(parts);
    };
    return { both: pick(SIDES), tail: pick(["tail"]), head: pick(["head"]) };
  }
}
