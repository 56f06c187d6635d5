import { fileURLToPath } from "node:url";
import { loadConfigFile } from "@tml/core";
import { type GraphDescriptor, writeGraph } from "@tml/data-io";
import { type TwhinConfig, twhinConfigSchema } from "../config/twhin-config.js";

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

const LOCAL_YAML = fileURLToPath(new URL("../../configs/local.yaml", import.meta.url));

/**
 * local.yaml on a graph of `writeEngagementGraph` in `graphDir`: 1,000 training edges in batches of
 * 100 (10 steps an epoch), 100 validation edges ranked whole, checkpoints every 10 steps in
 * `saveDir`; `extra` overrides come last (test helper).
 */
export function generatedGraphConfig(
  graphDir: string,
  saveDir: string,
  extra: readonly string[] = [],
): TwhinConfig {
  return loadConfigFile(twhinConfigSchema, LOCAL_YAML, {
    overrides: [
      `train_data.data_root=${graphDir}/edges/train/*.parquet`,
      "train_data.limit=1000",
      "train_data.per_replica_batch_size=100",
      `validation_data.data_root=${graphDir}/edges/test/*.parquet`,
      "validation_data.offset=null",
      "validation_data.limit=100",
      "model.embeddings.tables.0.num_embeddings=300",
      "model.embeddings.tables.1.num_embeddings=200",
      `training.save_dir=${saveDir}`,
      "training.checkpoint_every_n=10",
      "training.num_eval_steps=-1",
      ...extra,
    ],
  });
}
