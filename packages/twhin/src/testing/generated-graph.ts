import { type GraphDescriptor, writeGraph } from "@tml/data-io";

/** Options of `writeEngagementGraph` (test helper). */
export interface EngagementGraphOptions {
  users?: number;
  tweets?: number;
  edges?: number;
  communities?: number;
  seed?: number;
  inCommunityRate?: number;
}

/**
 * A generated user->tweet graph whose relations are local.yaml's, in its order (fav, reply,
 * retweet, magic_recs), with planted communities: `edges/train/*.parquet`, `edges/test/*.parquet`,
 * `communities/<table>.parquet`.
 */
export async function writeEngagementGraph(
  dir: string,
  options: EngagementGraphOptions = {},
): Promise<GraphDescriptor> {
  const edges = options.edges ?? 4000;
  const relation = (name: string, share: number) => ({
    name,
    lhs: "user",
    rhs: "tweet",
    edges: Math.round(edges * share),
  });
  return writeGraph(
    dir,
    {
      tables: [
        { name: "user", count: options.users ?? 300 },
        { name: "tweet", count: options.tweets ?? 200 },
      ],
      relations: [
        relation("fav", 0.4),
        relation("reply", 0.2),
        relation("retweet", 0.3),
        relation("magic_recs", 0.1),
      ],
      communities: options.communities ?? 4,
      inCommunityRate: options.inCommunityRate ?? 0.9,
    },
    { seed: options.seed ?? 1, testFraction: 0.05 },
  );
}
