import { join } from "node:path";
import { Rng } from "@tml/core";
import { communityPairAuc } from "../generators/community-recovery.js";
import { readCommunities } from "../generators/read-communities.js";
import { type CliIo, numberFlag, type ParsedArgs, stringFlag } from "./args.js";
import { readEmbeddingMatrix } from "./embedding-file.js";

/**
 * `tml-data community-auc --embeddings FILE --graph DIR [--table user]`: how well learned
 * embeddings recover a generated graph's planted communities (`communityPairAuc`).
 */
export async function communityAucCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const command = "community-auc";
  const table = stringFlag(command, args, "table", "user");
  const embeddings = await readEmbeddingMatrix(
    stringFlag(command, args, "embeddings"),
    args.values["embedding-column"] as string | undefined,
  );
  const communities = await readCommunities(
    join(stringFlag(command, args, "graph"), "communities", `${table}.parquet`),
  );
  const pairs = numberFlag(command, args, "pairs", 100_000, { min: 1 });
  const auc = communityPairAuc(
    embeddings,
    communities,
    new Rng(numberFlag(command, args, "seed", 0)),
    pairs,
  );
  io.stdout(
    args.values.json
      ? `${JSON.stringify({ table, pairs, auc })}\n`
      : `${table}: same-community pair AUC ${auc.toFixed(4)} over ${pairs} pairs\n`,
  );
}
