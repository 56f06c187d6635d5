import { type CliIo, optionalInteger, parseFlags, requiredString } from "@tml/cli-kit";
import { createLogger } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { prepareExplorer, serveExplorer } from "@tml/explorer";

/** `evaluator explore --help`. */
export const EXPLORE_HELP = `evaluator explore --run DIR [--port N]

Serves the explorer of a trainer run on 127.0.0.1 and prints its URL on a line of its own; open it
in a browser (everything it loads comes from this server: no network needed). Ctrl-C stops it.

  Timeline       candidates from the run's data scored in the browser by the exported Heavy
                 Ranker (tfjs: WebGPU, WebGL or wasm, whichever the browser has), ranked by
                 Σ serving weight × calibrated P(engagement), one slider per weight
  Why this item  each task's contribution, and integrated-gradients attributions of each task's
                 logit per feature group against the candidates' mean; "what if" edits re-score it
  TwHIN          nearest neighbours of a user or Tweet and a 2-D PCA of the exported tables,
                 coloured by the generated graph's communities (or by entity type)

Works on the main job's run (trainer --out DIR), a trainer heavy-ranker run (candidates from its
validation data) and a trainer twhin / kg run (TwHIN only). Writes <run>/explorer/ (the exported
graph model, candidates, tables) and nothing else in the run.

  --run DIR     trainer run directory
  --port N      port on 127.0.0.1 (default 0: any free port)
  -h, --help    this help`;

/** `evaluator explore`: prepares `<run>/explorer/` and serves it until stopped. */
export async function exploreCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "evaluator explore";
  const flags = parseFlags(command, argv, { run: { type: "string" }, port: { type: "string" } });
  if (flags.values.help === true) {
    io.stdout(`${EXPLORE_HELP}\n`);
    return 0;
  }
  const run = requiredString(command, flags, "run");
  const port = optionalInteger(command, flags, "port", 0) ?? 0;
  // Preparing only reads the model and scores a batch: exact tfjs kernels, no gradients.
  await selectEngine({
    device: "cpu",
    gradients: false,
    logger: createLogger({ name: "evaluator", level: "warn" }),
  });
  const prepared = await prepareExplorer(run);
  const server = await serveExplorer({ explorerDir: prepared.explorerDir, port });
  const { ranker, twhin } = prepared.manifest;
  const parts = [
    ranker
      ? `Heavy Ranker step ${ranker.step}, ${ranker.nodeCalibrated.length / ranker.tasks.length} candidates`
      : "",
    twhin ? `TwHIN tables ${twhin.tables.map((table) => table.name).join(", ")}` : "",
  ].filter((part) => part !== "");
  io.stdout(
    `explorer of ${prepared.root} (${parts.join("; ")}), data in ${prepared.explorerDir}\n`,
  );
  io.stdout(`${server.url}\n`);
  io.stderr("serving on 127.0.0.1 only; Ctrl-C stops it\n");
  await untilStopped(io.signal);
  await server.close();
  return 0;
}

/** Resolves when `signal` aborts, or (without one) on SIGINT / SIGTERM. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal) {
      if (signal.aborted) done();
      else signal.addEventListener("abort", () => done(), { once: true });
      return;
    }
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
