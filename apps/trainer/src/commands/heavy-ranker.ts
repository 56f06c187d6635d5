import { join } from "node:path";
import {
  type CliIo,
  engineLine,
  formatTable,
  optionalInteger,
  parseFlags,
  requiredString,
} from "@tml/cli-kit";
import { createLogger, writeFileAtomic } from "@tml/core";
import { loadSegdenseSchema } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { loadRecapConfig, trainHeavyRanker } from "@tml/heavy-ranker";
import { finishedStep } from "../pipeline/finished-run.js";
import { startRunOutputs } from "../pipeline/run-outputs.js";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  commonOptions,
  libraryLogLevel,
  printHelpIfAsked,
} from "./common.js";

/** `trainer heavy-ranker --help`. */
export const HEAVY_RANKER_HELP = `trainer heavy-ranker --config FILE [options]

Trains the Heavy Ranker (multi-task MaskNet ranking model) from a recap YAML config: streams
train_data, checkpoints every training.checkpoint_every_n steps, evaluates the first
validation_data partition every --eval-every steps and at the end (training.early_stopping and
training.reduce_lr_on_plateau follow those evaluations), writes the final weights (the best
evaluation's under early stopping) as model.safetensors and scores them on every partition.

  --config FILE          recap YAML config (env substitution, anchors, strict keys)
  --eval-every N         evaluate every N steps (default: training.eval_every_n, else only at the end)
${COMMON_HELP}

Outputs (in --out, default training.save_dir): config.yaml, metrics.jsonl, events/heavy-ranker
(TensorBoard), checkpoints/<step>, model.safetensors, results.json (status, steps, best step,
wall time, the metrics of every validation partition).`;

/** `trainer heavy-ranker`: loads the config, then trains through heavy-ranker's `trainHeavyRanker`. */
export async function heavyRankerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const command = "trainer heavy-ranker";
  const flags = parseFlags(command, argv, {
    ...COMMON_FLAGS,
    config: { type: "string" },
    "eval-every": { type: "string" },
  });
  if (printHelpIfAsked(flags, HEAVY_RANKER_HELP, io)) return 0;
  const options = commonOptions(command, flags);
  const configPath = requiredString(command, flags, "config");
  const evalEvery = optionalInteger(command, flags, "eval-every", 1);
  // Every check that can fail fast (config, device) runs before anything is written.
  const config = loadRecapConfig(configPath, { overrides: options.overrides });
  // The segdense schemas are config assets: a missing or invalid one fails here, not after the
  // earlier run in --out was replaced.
  for (const data of [config.train_data, ...Object.values(config.validation_data)])
    loadSegdenseSchema(data.seg_dense_schema.schema_path);
  const logger = createLogger({ name: "heavy-ranker", level: libraryLogLevel(options) });
  const engine = await selectEngine({ device: options.device, logger });
  io.stderr(`${engineLine(engine)}\n`);
  const out = options.out ?? config.training.save_dir;
  const totalSteps = options.maxSteps ?? config.training.num_train_steps;
  const { run, callbacks } = await startRunOutputs({
    kind: "heavy-ranker",
    label: "heavy-ranker",
    out,
    resume: options.resume,
    config,
    totalSteps,
    io,
  });
  const weights = join(run.root, "model.safetensors");
  const done = run.resumed
    ? await finishedStep(run.checkpointsDir, totalSteps, [weights])
    : undefined;
  if (done !== undefined) {
    io.stdout(
      `heavy-ranker already trained to step ${done} in ${run.root}; raise --max-steps to continue\n`,
    );
    return 0;
  }
  const result = await trainHeavyRanker({
    config,
    outDir: run.root,
    device: options.device,
    maxSteps: totalSteps,
    resume: run.resumed,
    logger,
    callbacks,
    ...(evalEvery !== undefined ? { evalEveryN: evalEvery } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (result.status === "aborted") {
    io.stderr(`stopped at step ${result.step}; continue with --resume --out ${run.root}\n`);
    return 130;
  }
  io.stdout(`heavy-ranker ${result.status.replace("_", " ")} at step ${result.step}\n`);
  if (result.best) io.stdout(`best evaluation at step ${result.best.step} (weights exported)\n`);
  const partitions = Object.entries(result.partitionMetrics);
  if (partitions.length === 0 && result.lastEval) io.stdout(`${metricsTable(result.lastEval)}\n`);
  for (const [partition, metrics] of partitions)
    io.stdout(`${partition}:\n${metricsTable(metrics)}\n`);
  const resultsFile = join(run.root, "results.json");
  const results = {
    status: result.status,
    steps: result.step,
    best_step: result.best?.step ?? null,
    walltime_s: result.walltimeS,
    engine: result.engine,
    partitions: result.partitionMetrics,
  };
  writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  io.stdout(`run directory:   ${run.root}\n`);
  io.stdout(`resolved config: ${run.configFile}\n`);
  io.stdout(`metrics:         ${run.metricsFile}\n`);
  io.stdout(`results:         ${resultsFile}\n`);
  io.stdout(`tensorboard:     tensorboard --logdir ${run.eventsDir}\n`);
  io.stdout(`checkpoint:      ${result.lastCheckpoint ?? "(none)"}\n`);
  io.stdout(`weights:         ${result.weightsPath}\n`);
  const validation = Object.values(config.validation_data)[0]?.inputs;
  io.stdout(
    `evaluate:        evaluator heavy-ranker --checkpoint ${run.root}${validation ? ` --data '${validation}'` : ""}\n`,
  );
  return 0;
}

/** `metric/task` values as a task × metric table (the order metrics first appear in). */
export function metricsTable(metrics: Readonly<Record<string, number>>): string {
  const columns: string[] = [];
  const rows = new Map<string, Record<string, number>>();
  for (const [key, value] of Object.entries(metrics)) {
    const slash = key.indexOf("/");
    if (slash < 0) continue;
    const metric = key.slice(0, slash);
    const task = key.slice(slash + 1);
    if (!columns.includes(metric)) columns.push(metric);
    rows.set(task, { ...rows.get(task), [metric]: value });
  }
  return formatTable(
    ["task", ...columns],
    [...rows].map(([task, values]) => [task, ...columns.map((column) => values[column])]),
  );
}
