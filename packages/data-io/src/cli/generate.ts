import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, UsageError } from "@tml/core";
import type { GraphSpec } from "../generators/graph-spec.js";
import { twitterGraphSpec } from "../generators/graph-spec.js";
import { writeGraph } from "../generators/graph-writer.js";
import { writeRankerData } from "../generators/ranker-writer.js";
import { readCommunities } from "../generators/read-communities.js";
import { type CliIo, numberFlag, type ParsedArgs, stringFlag } from "./args.js";
import { readEmbeddingMatrix } from "./embedding-file.js";

/** `tml-data generate ranker`: Heavy Ranker rows with planted signal (or --parity) into --out. */
export async function generateRankerCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const command = "generate ranker";
  const out = stringFlag(command, args, "out");
  const parity = args.values.parity === true;
  const format = stringFlag(command, args, "format", "parquet");
  if (format !== "parquet" && format !== "tfrecord")
    throw new UsageError(
      `tml-data ${command}: --format must be parquet or tfrecord, got "${format}".`,
    );
  const rates: Record<string, number> = {};
  for (const entry of (args.values.rate as string[] | undefined) ?? []) {
    const [name, value] = entry.split("=");
    if (!name || value === undefined || !Number.isFinite(Number(value)))
      throw new UsageError(`tml-data ${command}: --rate takes label=rate, got "${entry}".`);
    rates[name] = Number(value);
  }
  const embeddingsPath = args.values["user-embeddings"];
  const userEmbeddings =
    typeof embeddingsPath === "string"
      ? await readEmbeddingMatrix(
          embeddingsPath,
          args.values["embedding-column"] as string | undefined,
        )
      : undefined;
  const graphDir = args.values.graph;
  if (typeof graphDir === "string" && userEmbeddings === undefined) {
    throw new UsageError(
      `tml-data ${command}: --graph needs --user-embeddings (the embeddings learned on that graph).`,
    );
  }
  const userCommunities =
    typeof graphDir === "string"
      ? await readCommunities(join(graphDir, "communities", "user.parquet"))
      : undefined;
  const report = await writeRankerData(out, {
    seed: numberFlag(command, args, "seed", 0),
    rows: parity ? 1 : numberFlag(command, args, "rows", undefined, { min: 1 }),
    shardRows: numberFlag(command, args, "shard-rows", 2048, { min: 1 }),
    format,
    parity,
    rates,
    users: numberFlag(command, args, "users", 10_000, { min: 1 }),
    authors: numberFlag(command, args, "authors", 2_000, { min: 1 }),
    signalStd: numberFlag(command, args, "signal-std", 1.6, { real: true }),
    affinityShare: numberFlag(command, args, "affinity-share", 0.4, { real: true }),
    userEmbeddings,
    userCommunities,
    calibrationRows: numberFlag(command, args, "calibration-rows", 100_000, { min: 100 }),
    onProgress: (written, total) => io.stderr(`generate ranker: ${written}/${total} rows\n`),
  });
  if (args.values.json) {
    io.stdout(`${JSON.stringify(report)}\n`);
    return;
  }
  io.stdout(`${report.rows} rows in ${report.files.length} file(s) under ${out}\n`);
  for (const [name, task] of Object.entries(report.tasks)) {
    const rate = task.positives / Math.max(1, task.rows);
    io.stdout(
      `${name}: positive rate ${rate.toFixed(5)} (target ${task.targetRate}), Bayes-optimal AUC ${task.bayesAuc.toFixed(4)}\n`,
    );
  }
}

/** `tml-data generate graph`: a TwHIN graph (default Twitter-like, or --spec JSON) into --out. */
export async function generateGraphCommand(args: ParsedArgs, io: CliIo): Promise<void> {
  const command = "generate graph";
  const out = stringFlag(command, args, "out");
  const specPath = args.values.spec;
  let spec: GraphSpec;
  if (typeof specPath === "string") {
    try {
      spec = JSON.parse(readFileSync(specPath, "utf8")) as GraphSpec;
    } catch (error) {
      throw new ConfigError(
        `tml-data ${command}: cannot read the graph spec ${specPath}: ${(error as Error).message}`,
        { cause: error, details: { file: specPath } },
      );
    }
  } else {
    spec = twitterGraphSpec({
      users: numberFlag(command, args, "users", 100_000, { min: 1 }),
      tweets: numberFlag(command, args, "tweets", 50_000, { min: 1 }),
      edges: numberFlag(command, args, "edges", 1_000_000, { min: 1 }),
      communities: numberFlag(command, args, "communities", 16, { min: 1 }),
    });
  }
  const descriptor = await writeGraph(out, spec, {
    seed: numberFlag(command, args, "seed", 0),
    shardEdges: numberFlag(command, args, "shard-edges", 1_000_000, { min: 1 }),
    testFraction: numberFlag(command, args, "test-fraction", 0.01, { real: true }),
    onProgress: (written, total) => io.stderr(`generate graph: ${written}/${total} edges\n`),
  });
  if (args.values.json) {
    io.stdout(`${JSON.stringify(descriptor)}\n`);
    return;
  }
  const tables = descriptor.tables
    .map((table) => `${table.name} ${table.num_embeddings}`)
    .join(", ");
  io.stdout(
    `graph under ${out}: tables ${tables}; ${descriptor.relations.length} relations; train ${descriptor.splits.train?.rows} / test ${descriptor.splits.test?.rows} edges\n`,
  );
}
