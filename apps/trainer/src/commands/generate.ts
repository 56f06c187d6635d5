import { existsSync, readdirSync } from "node:fs";
import { type CliIo, optionalInteger, parseFlags, requiredString } from "@tml/cli-kit";
import { UsageError } from "@tml/core";
import { twitterGraphSpec, writeGraph, writeRankerData } from "@tml/data-io";
import { printHelpIfAsked } from "./common.js";

/** `trainer generate --help`. */
export const GENERATE_HELP = `trainer generate graph --out DIR [--users N] [--tweets N] [--edges N] [--communities N] [--seed N]
trainer generate ranker --out DIR [--rows N] [--users N] [--authors N] [--seed N]

Writes synthetic data with planted signal, so a model that learns shows it in its metrics:
  graph   a Twitter-like heterogeneous graph for TwHIN (user/tweet tables; follow, fav, reply,
          retweet, magic_recs relations; planted communities): edges/{train,test}/*.parquet,
          communities/, graph.json
  ranker  Heavy Ranker rows in the home_recap_2022 segdense layout with labels drawn from a hidden
          logistic model, in 2048-row shards part-NNNNN.parquet plus segdense.json and generator.json
          (Bayes-optimal AUC per task); train on the first shards and validate on the last (one
          seed, one planted model), as heavy-ranker's local_small.yaml does

  --out DIR        output directory (required)
  --seed N         seed (default 0)
  graph:  --users (2000) --tweets (1000) --edges (50000) --communities (8)
  ranker: --rows (4096) --users (2000) --authors (500)
  -h, --help       this help`;

const FLAGS = {
  out: { type: "string" },
  seed: { type: "string" },
  users: { type: "string" },
  tweets: { type: "string" },
  edges: { type: "string" },
  communities: { type: "string" },
  rows: { type: "string" },
  authors: { type: "string" },
} as const;

/** `trainer generate graph|ranker`: synthetic TwHIN graphs or Heavy Ranker rows. */
export async function generateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === "--help" || kind === "-h") {
    io.stdout(`${GENERATE_HELP}\n`);
    return 0;
  }
  if (kind !== "graph" && kind !== "ranker") {
    throw new UsageError(
      `trainer generate: ${kind === undefined ? "missing data kind" : `unknown data kind "${kind}"`}; use graph or ranker. Run "trainer generate --help".`,
    );
  }
  const command = `trainer generate ${kind}`;
  const flags = parseFlags(command, rest, FLAGS, { threads: false });
  if (printHelpIfAsked(flags, GENERATE_HELP, io)) return 0;
  const out = requiredString(command, flags, "out");
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new UsageError(
      `${command}: ${out} is not empty; refusing to overwrite it. Pass a new --out.`,
    );
  }
  const seed = optionalInteger(command, flags, "seed") ?? 0;
  const number = (name: string, fallback: number) =>
    optionalInteger(command, flags, name, 1) ?? fallback;
  if (kind === "graph") {
    const descriptor = await writeGraph(
      out,
      twitterGraphSpec({
        users: number("users", 2000),
        tweets: number("tweets", 1000),
        edges: number("edges", 50_000),
        communities: number("communities", 8),
      }),
      { seed },
    );
    const tables = descriptor.tables.map((t) => `${t.name} ${t.num_embeddings}`).join(", ");
    io.stdout(
      `graph written to ${out}: ${tables}; ${descriptor.splits.train?.rows ?? 0} train / ${descriptor.splits.test?.rows ?? 0} test edges\n`,
    );
    return 0;
  }
  const report = await writeRankerData(out, {
    seed,
    rows: number("rows", 4096),
    users: number("users", 2000),
    authors: number("authors", 500),
  });
  io.stdout(
    `${report.rows} ranker rows written to ${out} (${report.files.map((file) => file.path).join(", ")})\n`,
  );
  for (const [task, summary] of Object.entries(report.tasks))
    io.stdout(
      `  ${task}: ${summary.positives} positives, Bayes-optimal AUC ${summary.bayesAuc.toFixed(4)}\n`,
    );
  return 0;
}
