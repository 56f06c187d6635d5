import { environmentError, exitCodeFor, TmlError, UsageError } from "@tml/core";
import { type CliIo, type OptionSpec, parseCommand } from "./args.js";
import { communityAucCommand } from "./community-auc.js";
import { convertCommand } from "./convert.js";
import { generateGraphCommand, generateRankerCommand } from "./generate.js";
import { countCommand, distinctCommand, headCommand, schemaCommand } from "./inspect.js";

const USAGE = `tml-data: inspect, generate and convert tml-ts datasets

Inspect Parquet files (like the original's tools/pq.py):
  tml-data head FILE [--num 10] [--columns a,b] [--json]      first rows (refuses reads over 500 MB)
  tml-data schema FILE [--json]                               columns and types, row count
  tml-data distinct FILE [--num 10] [--columns a,b] [--json]  distinct values in the first rows
  tml-data count PATH... [--json]                             rows per file (folders: all *.parquet)

Generate synthetic data with planted signal:
  tml-data generate ranker --rows N --out DIR [--seed S] [--format parquet|tfrecord]
      [--shard-rows 2048] [--users N] [--authors N] [--rate LABEL=RATE]... [--signal-std 1.6]
      [--affinity-share 0.4] [--calibration-rows 100000] [--parity]
      [--user-embeddings FILE.parquet [--embedding-column NAME] [--graph GRAPH_DIR]]
  tml-data generate graph --out DIR [--seed S] [--users N] [--tweets N] [--edges N]
      [--communities K] [--shard-edges N] [--test-fraction 0.01] [--spec GRAPH_SPEC.json]

  With --user-embeddings (e.g. TwHIN output: a float list column, optional int "id" column) the
  rows carry those embeddings and the labels follow their user–author dot product; adding --graph
  makes the labels follow the graph's ground-truth communities instead.

Measure community recovery of learned embeddings on a generated graph:
  tml-data community-auc --embeddings FILE.parquet --graph GRAPH_DIR [--table user] [--pairs N]

Convert public datasets (see each dataset's SOURCE.md):
  tml-data convert kg --in DIR --out DIR                      head<TAB>relation<TAB>tail → TwHIN edges
  tml-data convert higgs --in DIR --out DIR [--split-time T]  SNAP Higgs RT/MT/RE log → TwHIN edges
      (events before T, Unix seconds or ISO date-time, train; default 2012-07-06T00:00:00Z)
  tml-data convert lastfm --in DIR --out DIR                  Last.fm HetRec user/artist/tag graph
  tml-data convert frappe --in DIR --out DIR [--format csv|libfm]
  tml-data convert movielens --in DIR --out DIR [--split ua|ub|u1..u5]

Exit codes: 0 ok, 2 usage, 3 config, 4 not found, 5 bad data, 10 I/O (read-only or full disk,
a file in the way), 70 internal error.
`;

const INSPECT: OptionSpec = {
  num: { type: "string", short: "n" },
  columns: { type: "string", short: "c" },
  json: { type: "boolean" },
};
const OUTPUT: OptionSpec = {
  out: { type: "string", short: "o" },
  seed: { type: "string" },
  json: { type: "boolean" },
};
const GENERATE_RANKER: OptionSpec = {
  ...OUTPUT,
  rows: { type: "string" },
  format: { type: "string" },
  "shard-rows": { type: "string" },
  users: { type: "string" },
  authors: { type: "string" },
  rate: { type: "string", multiple: true },
  "signal-std": { type: "string" },
  "affinity-share": { type: "string" },
  "user-embeddings": { type: "string" },
  "embedding-column": { type: "string" },
  parity: { type: "boolean" },
  "calibration-rows": { type: "string" },
  graph: { type: "string" },
};
const GENERATE_GRAPH: OptionSpec = {
  ...OUTPUT,
  users: { type: "string" },
  tweets: { type: "string" },
  edges: { type: "string" },
  communities: { type: "string" },
  "shard-edges": { type: "string" },
  "test-fraction": { type: "string" },
  spec: { type: "string" },
};
const COMMUNITY_AUC: OptionSpec = {
  embeddings: { type: "string" },
  "embedding-column": { type: "string" },
  graph: { type: "string" },
  table: { type: "string" },
  pairs: { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
};
const CONVERT: OptionSpec = {
  in: { type: "string", short: "i" },
  out: { type: "string", short: "o" },
  format: { type: "string" },
  split: { type: "string" },
  "split-time": { type: "string" },
  json: { type: "boolean" },
};

/**
 * Runs `tml-data` with `argv` (arguments after the program name), writing to `io`; returns the
 * exit code (0, or `exitCodeFor` the error). Never calls process.exit.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.stdout(USAGE);
      return 0;
    }
    const sub = rest[0];
    const run = async (
      name: string,
      options: OptionSpec,
      argsv: string[],
      action: (args: ReturnType<typeof parseCommand>) => Promise<void>,
    ) => {
      const args = parseCommand(name, argsv, options);
      if (args.values.help) io.stdout(USAGE);
      else await action(args);
    };
    switch (command) {
      case "head":
        await run("head", INSPECT, rest, (args) => headCommand(args, io));
        break;
      case "schema":
        await run("schema", INSPECT, rest, (args) => schemaCommand(args, io));
        break;
      case "distinct":
        await run("distinct", INSPECT, rest, (args) => distinctCommand(args, io));
        break;
      case "count":
        await run("count", INSPECT, rest, (args) => countCommand(args, io));
        break;
      case "generate":
        if (sub === "ranker")
          await run("generate ranker", GENERATE_RANKER, rest.slice(1), (args) =>
            generateRankerCommand(args, io),
          );
        else if (sub === "graph")
          await run("generate graph", GENERATE_GRAPH, rest.slice(1), (args) =>
            generateGraphCommand(args, io),
          );
        else
          throw new UsageError(
            `tml-data generate: unknown generator "${sub ?? ""}"; use ranker or graph.`,
          );
        break;
      case "community-auc":
        await run("community-auc", COMMUNITY_AUC, rest, (args) => communityAucCommand(args, io));
        break;
      case "convert":
        await run(`convert ${sub ?? ""}`, CONVERT, rest.slice(1), (args) =>
          convertCommand(sub ?? "", args, io),
        );
        break;
      default:
        throw new UsageError(`tml-data: unknown command "${command}". Run "tml-data --help".`);
    }
    return 0;
  } catch (thrown) {
    // A failure of the environment (read-only or full disk, a file in the way) is typed, not a bug.
    const error = environmentError(thrown) ?? thrown;
    const code = exitCodeFor(error);
    io.stderr(
      TmlError.isInstance(error)
        ? `error: ${error.message}\n`
        : `internal error: ${(error as Error)?.stack ?? String(error)}\n`,
    );
    return code;
  }
}

/** Entry point of the `tml-data` bin: runs `main` on the process arguments and sets the exit code. */
export async function runTmlDataBin(argv: string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
