import {
  type CliIo,
  deviceFlag,
  entityLabel,
  evaluateTwhinRun,
  formatTable,
  linkMetricColumns,
  linkMetricRows,
  optionalInteger,
  optionalString,
  parseFlags,
  requiredString,
  selectCommandEngine,
  stringList,
  THREADS_HELP,
  workProgress,
} from "@tml/cli-kit";

/** `evaluator twhin --help`. */
export const TWHIN_HELP = `evaluator twhin --checkpoint DIR [--data GLOB] [options]

Filtered link prediction of a TwHIN checkpoint: each held-out edge's tail is ranked among all
entities of its type (and its head likewise), known true edges removed: MRR, mean rank, Hits@1/3/10
and sampled AUC for all edges, tail and head queries, warm and cold edges (cold: an endpoint never
occurs in the training edges) and each relation, with nearest neighbours of sample entities (named
when the graph has a name dictionary, e.g. entities.json). Progress goes to stderr. Writes
metrics.json and report.html (Hits@k bars, training curves; PNGs in plots/).

  --checkpoint DIR   trainer run directory, its checkpoints/, or one checkpoints/<step>
  --data GLOB        edges to rank (Parquet lhs/rel/rhs; default the config's validation data)
  --config FILE      TwHIN config (default: the run's config.yaml)
  --set key=value    config override (repeatable)
  --max-edges N      rank at most N edges
  --neighbours N     sample entities per table and neighbours each (default 5)
  --out DIR          output directory (default <run>/evaluation)
  --device auto|cpu|gpu
${THREADS_HELP}
  -h, --help         this help`;

/** `evaluator twhin`. */
export async function twhinCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "evaluator twhin";
  const flags = parseFlags(command, argv, {
    checkpoint: { type: "string" },
    data: { type: "string" },
    config: { type: "string" },
    set: { type: "string", multiple: true },
    "max-edges": { type: "string" },
    neighbours: { type: "string" },
    out: { type: "string" },
    device: { type: "string" },
  });
  if (flags.values.help === true) {
    io.stdout(`${TWHIN_HELP}\n`);
    return 0;
  }
  const data = optionalString(flags, "data");
  const config = optionalString(flags, "config");
  const out = optionalString(flags, "out");
  const maxEdges = optionalInteger(command, flags, "max-edges", 1);
  const neighbours = optionalInteger(command, flags, "neighbours", 1);
  const device = deviceFlag(command, flags);
  const printEngine = await selectCommandEngine(device, io);
  const result = await evaluateTwhinRun({
    checkpoint: requiredString(command, flags, "checkpoint"),
    overrides: stringList(flags, "set"),
    device,
    ...(data ? { data } : {}),
    ...(config ? { config } : {}),
    ...(out ? { out } : {}),
    ...(maxEdges !== undefined ? { maxEdges } : {}),
    ...(neighbours !== undefined ? { neighbours } : {}),
    onProgress: workProgress(io, { label: "twhin evaluation", unit: "queries" }),
  });
  io.stdout(`TwHIN ${result.checkpoint}: ${result.edges} edges ranked (filtered)\n`);
  io.stdout(
    `${formatTable(["edges", ...linkMetricColumns(result.summary.overall)], linkMetricRows(result.summary))}\n`,
  );
  io.stdout("\nNearest neighbours (cosine):\n");
  for (const list of result.neighbours) {
    const near = list.neighbours.map((n) => `${entityLabel(n)} (${n.score.toFixed(3)})`).join(", ");
    io.stdout(`  ${list.table} ${entityLabel(list)}: ${near}\n`);
  }
  io.stdout(`metrics: ${result.metricsJson}\nreport:  ${result.report?.html}\n`);
  printEngine();
  return 0;
}
