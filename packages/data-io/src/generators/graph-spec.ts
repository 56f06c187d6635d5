import { ConfigError, safeNameProblem } from "@tml/core";

/** An entity type of a heterogeneous graph: one embedding table in TwHIN. */
export interface GraphTableSpec {
  name: string;
  /** Number of nodes (ids 0..count−1), at most 2^31 − 1. */
  count: number;
}

/** A relation type: directed edges from a `lhs` table node to a `rhs` table node. */
export interface GraphRelationSpec {
  name: string;
  lhs: string;
  rhs: string;
  /** Training edges of this relation. */
  edges: number;
  /** Probability that an edge stays inside the lhs node's community (default: the spec's). */
  inCommunityRate?: number;
}

/** Everything the graph generator needs to know about the graph's shape. */
export interface GraphSpec {
  tables: GraphTableSpec[];
  relations: GraphRelationSpec[];
  /** Planted communities, shared by all tables (community c of users goes with c of Tweets). */
  communities: number;
  /** Default probability that an edge stays inside its community. Default 0.8. */
  inCommunityRate?: number;
  /**
   * Exponent γ ≥ 1 of the node activity: node ranks are drawn as ⌊n·u^γ⌋ inside a community, so
   * degrees have a power-law tail P(deg > d) ∝ d^(−γ/(γ−1)). Default 3 (tail exponent 1.5).
   */
  degreeExponent?: number;
}

/** Sizes of the default Twitter-like graph. */
export interface TwitterGraphOptions {
  users?: number;
  tweets?: number;
  /** Total training edges, split follow 30% / fav 40% / retweet 15% / reply 10% / magic_recs 5%. */
  edges?: number;
  communities?: number;
}

/**
 * A Twitter-like heterogeneous graph: tables `user` and `tweet`; relations `follow` user→user and
 * the engagement relations of the original's local.yaml (`fav`, `reply`, `retweet`, `magic_recs`,
 * user→tweet). Defaults: 100,000 users, 50,000 Tweets, 1,000,000 edges, 16 communities.
 */
export function twitterGraphSpec(options: TwitterGraphOptions = {}): GraphSpec {
  const edges = options.edges ?? 1_000_000;
  const share = (fraction: number) => Math.round(edges * fraction);
  const follow = share(0.3);
  const fav = share(0.4);
  const retweet = share(0.15);
  const reply = share(0.1);
  return validateGraphSpec({
    tables: [
      { name: "user", count: options.users ?? 100_000 },
      { name: "tweet", count: options.tweets ?? 50_000 },
    ],
    relations: [
      { name: "follow", lhs: "user", rhs: "user", edges: follow },
      { name: "fav", lhs: "user", rhs: "tweet", edges: fav },
      { name: "reply", lhs: "user", rhs: "tweet", edges: reply, inCommunityRate: 0.9 },
      { name: "retweet", lhs: "user", rhs: "tweet", edges: retweet },
      {
        name: "magic_recs",
        lhs: "user",
        rhs: "tweet",
        edges: edges - follow - fav - retweet - reply,
        inCommunityRate: 0.5,
      },
    ],
    communities: options.communities ?? 16,
  });
}

/** Checks a spec (unique names, known lhs/rhs tables, sizes in range); returns it or throws ConfigError. */
export function validateGraphSpec(spec: GraphSpec): GraphSpec {
  const tables = new Set<string>();
  for (const [index, table] of spec.tables.entries()) {
    // A table's name becomes a file name (communities/<name>.parquet).
    const problem = safeNameProblem(String(table.name));
    if (problem) throw new ConfigError(`graph: tables[${index}].name ${problem}`);
    if (tables.has(table.name))
      throw new ConfigError(`graph: tables[${index}] repeats the name "${table.name}"`);
    tables.add(table.name);
    if (
      !Number.isInteger(table.count) ||
      table.count < spec.communities ||
      table.count >= 2 ** 31
    ) {
      throw new ConfigError(
        `graph: tables[${index}] "${table.name}" needs an integer count in [communities = ${spec.communities}, 2^31), got ${table.count}`,
      );
    }
  }
  const relations = new Set<string>();
  for (const [index, relation] of spec.relations.entries()) {
    if (relations.has(relation.name))
      throw new ConfigError(`graph: relations[${index}] repeats the name "${relation.name}"`);
    relations.add(relation.name);
    for (const side of ["lhs", "rhs"] as const) {
      if (!tables.has(relation[side])) {
        throw new ConfigError(
          `graph: relations[${index}].${side} "${relation[side]}" is not a table; tables are ${[...tables].join(", ")}`,
        );
      }
    }
    if (!Number.isInteger(relation.edges) || relation.edges < 0) {
      throw new ConfigError(
        `graph: relations[${index}].edges must be a non-negative integer, got ${relation.edges}`,
      );
    }
    checkRate(relation.inCommunityRate, `relations[${index}].inCommunityRate`);
  }
  if (spec.relations.length === 0) throw new ConfigError("graph: at least one relation is needed");
  if (!Number.isInteger(spec.communities) || spec.communities < 1) {
    throw new ConfigError(`graph: communities must be a positive integer, got ${spec.communities}`);
  }
  checkRate(spec.inCommunityRate, "inCommunityRate");
  if (spec.degreeExponent !== undefined && !(spec.degreeExponent >= 1)) {
    throw new ConfigError(`graph: degreeExponent must be ≥ 1, got ${spec.degreeExponent}`);
  }
  return spec;
}

function checkRate(rate: number | undefined, key: string): void {
  if (rate !== undefined && !(rate >= 0 && rate <= 1))
    throw new ConfigError(`graph: ${key} must be in [0, 1], got ${rate}`);
}
