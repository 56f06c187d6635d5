import { basename, join } from "node:path";
import { booleanFlag, type CliIo, engineLine, parseFlags, requiredString } from "@tml/cli-kit";
import { createLogger, loadConfigFile } from "@tml/core";
import { selectEngine } from "@tml/engine";
import { checkRunDirectory } from "@tml/reports";
import {
  checkTwhinInputs,
  exportEmbeddings,
  hogwildWorkers,
  plannedTrainSteps,
  selectedCheckpoint,
  trainTwhin,
  twhinConfigSchema,
} from "@tml/twhin";
import { finishedStep } from "../pipeline/finished-run.js";
import { publishDirectory } from "../pipeline/publish-directory.js";
import { startRunOutputs } from "../pipeline/run-outputs.js";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  commonOptions,
  libraryLogLevel,
  printHelpIfAsked,
} from "./common.js";

/** `trainer twhin --help`. */
export const TWHIN_HELP = `trainer twhin --config FILE [options]

Trains TwHIN heterogeneous-graph embeddings (one table per entity type, a translation operator per
relation, negatives sampled in-batch and from the tables) from a YAML config, checkpoints every
training.checkpoint_every_n steps, and exports every table as Parquet (id, embedding). The run lasts
training.num_epochs epochs when set (else training.num_train_steps steps); with model_selection (or
training.early_stopping, not both) the best-validation checkpoint, kept in checkpoints/<step>, is
the one exported. A top-level
"recipe: transe|complex" fills every setting the config leaves out (see trainer kg --help).

  --config FILE          TwHIN YAML config (strict keys; model, train_data, validation_data, training)
  --deterministic        train TwHIN on one thread: bit-identical reruns (default: Hogwild
                         workers on every thread, as --threads says)
${COMMON_HELP}

Outputs (in --out, default training.save_dir): config.yaml, metrics.jsonl, events/twhin (TensorBoard),
checkpoints/<step>, export/<table>.parquet.`;

/** `trainer twhin`: loads the config, trains through @tml/twhin's `trainTwhin`, exports the tables. */
export async function twhinCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "trainer twhin";
  const flags = parseFlags(command, argv, {
    ...COMMON_FLAGS,
    config: { type: "string" },
    deterministic: { type: "boolean" },
  });
  if (printHelpIfAsked(flags, TWHIN_HELP, io)) return 0;
  const options = commonOptions(command, flags);
  const overrides = [...options.overrides];
  if (options.seed !== undefined) overrides.push(`seed=${options.seed}`);
  const config = loadConfigFile(twhinConfigSchema, requiredString(command, flags, "config"), {
    overrides,
  });
  // --out must be usable (--resume: a run is there) and the edges must exist and match the
  // graph.json beside them, before --out is touched.
  checkRunDirectory(options.out ?? config.training.save_dir, {
    kind: "twhin",
    resume: options.resume,
  });
  checkTwhinInputs(config);
  const logger = createLogger({ name: "twhin", level: libraryLogLevel(options) });
  const engine = await selectEngine({ device: options.device, logger, gradients: false });
  const { workers, reason } = hogwildWorkers(
    config,
    engine.threads,
    booleanFlag(flags, "deterministic"),
  );
  io.stderr(
    `${engineLine(engine)}, ${workers} Hogwild worker${workers === 1 ? "" : "s"} (${reason})\n`,
  );
  const totalSteps = await plannedTrainSteps(config, { workers, maxSteps: options.maxSteps });
  const { run, callbacks } = await startRunOutputs({
    kind: "twhin",
    label: "twhin",
    out: options.out ?? config.training.save_dir,
    resume: options.resume,
    config,
    totalSteps,
    io,
  });
  const done = run.resumed
    ? await finishedStep(run.checkpointsDir, totalSteps, [run.exportDir])
    : undefined;
  if (done !== undefined) {
    io.stdout(
      `twhin already trained to step ${done} in ${run.root}; raise --max-steps to continue\n`,
    );
    return 0;
  }
  const result = await trainTwhin({
    config,
    outDir: run.checkpointsDir,
    device: options.device,
    maxSteps: totalSteps,
    workers,
    resume: true,
    logger,
    callbacks,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (result.status === "aborted") {
    io.stderr(`stopped at step ${result.step}; continue with --resume --out ${run.root}\n`);
    return 130;
  }
  // The best-validation checkpoint when the run kept one (model_selection), else the last.
  const checkpoint = (await selectedCheckpoint(run.checkpointsDir)) ?? run.checkpointsDir;
  const exported = await publishDirectory(run.exportDir, (temporary) =>
    exportEmbeddings({ config, checkpoint, outDir: temporary }),
  );
  const files = exported.files.map((file) => join(run.exportDir, basename(file)));
  io.stdout(`twhin ${result.status.replace("_", " ")} at step ${result.step}\n`);
  io.stdout(`run directory:   ${run.root}\n`);
  io.stdout(`resolved config: ${run.configFile}\n`);
  io.stdout(`metrics:         ${run.metricsFile}\n`);
  io.stdout(`tensorboard:     tensorboard --logdir ${run.eventsDir}\n`);
  io.stdout(`checkpoint:      ${checkpoint}\n`);
  io.stdout(`embeddings:      ${files.join(", ")}\n`);
  io.stdout(`evaluate:        evaluator twhin --checkpoint ${run.root}\n`);
  return 0;
}
