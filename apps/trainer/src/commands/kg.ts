import { basename, join, resolve } from "node:path";
import { booleanFlag, type CliIo, engineLine, parseFlags, requiredString } from "@tml/cli-kit";
import { applyOverrides, createLogger, parseConfig, UsageError, writeFileAtomic } from "@tml/core";
import { selectEngine } from "@tml/engine";
import {
  edgesTrained,
  evaluateTwhin,
  exportEmbeddings,
  findRecipe,
  hogwildWorkers,
  planTwhinTraining,
  recipeForGraph,
  TWHIN_RECIPES,
  type TwhinConfig,
  trainTwhin,
  twhinConfigSchema,
} from "@tml/twhin";
import {
  assertSameGraph,
  commitKnowledgeGraph,
  convertKnowledgeGraphRun,
  discardKnowledgeGraph,
  type KnowledgeGraphData,
} from "../pipeline/kg-data.js";
import { epochsOf, type KgResults, kgMetrics } from "../pipeline/kg-results.js";
import { publishDirectory } from "../pipeline/publish-directory.js";
import { startRunOutputs } from "../pipeline/run-outputs.js";
import {
  COMMON_FLAGS,
  COMMON_HELP,
  commonOptions,
  libraryLogLevel,
  printHelpIfAsked,
} from "./common.js";

/** `trainer kg --help`. */
export const KG_HELP = `trainer kg --data DIR --recipe NAME --out DIR [options]

Trains and evaluates link prediction on a knowledge graph: DIR holds train.txt, test.txt and
optionally valid.txt, one head<TAB>relation<TAB>tail triple a line. Entities and relations come
from the data; the recipe gives every training setting (override any with --set, by its key in the
run's config.yaml). With valid.txt, the filtered validation MRR is tracked every
model_selection.eval_every_n_epochs epochs and the best-validation checkpoint (kept in
checkpoints/<step>) is the one tested and exported (model_selection.patience stops early; the
recipe's model_selection gives way to a training.early_stopping of your own, not both).

  --data DIR             the knowledge-graph directory
  --recipe NAME          ${Object.entries(TWHIN_RECIPES)
    .map(([name, recipe]) => `${name}: ${recipe.description}`)
    .join("\n                         ")}
  --deterministic        one thread: bit-identical reruns (default: Hogwild workers on every thread)
${COMMON_HELP}

e.g. --set training.num_epochs=50 --set model.embeddings.tables.0.embedding_dim=256
     --set model.regularization=0.0001 --set model_selection.patience=3

Outputs (in --out): results.json (filtered test MRR, MR, Hits@1/3/10 both directions and per
direction, recipe and settings, epochs, best epoch, times, edges/s, data counts), config.yaml,
metrics.jsonl, events/kg (TensorBoard), graph/ (the converted edges, entities.json),
checkpoints/<step>, export/entity.parquet.

Data handling: entities or relations of valid/test unseen in train are kept (an untrained row) and
counted; duplicate triples are kept (trained or evaluated once per copy) and counted; a line
without exactly three tab-separated fields is a data error naming file and line (exit 5).`;

/** The TwHIN config of a knowledge graph: the discovered tables and relations, the recipe, `--set`. */
function kgConfig(
  data: KnowledgeGraphData,
  recipe: string,
  checkpointsDir: string,
  overrides: readonly string[],
): TwhinConfig {
  const { descriptor, roots, counts } = data;
  const validTriples = counts.triples["valid"] ?? 0;
  const raw = {
    recipe,
    training: { save_dir: checkpointsDir },
    model: {
      embeddings: {
        tables: descriptor.tables.map((t) => ({ name: t.name, num_embeddings: t.num_embeddings })),
      },
      relations: descriptor.relations.map((r) => ({ name: r.name, lhs: r.lhs, rhs: r.rhs })),
    },
    train_data: { data_root: roots.train, limit: counts.triples["train"] },
    ...(roots.valid && validTriples > 0
      ? { validation_data: { data_root: roots.valid, limit: validTriples } }
      : {}),
    // Every split filters every ranking, validation included (LibKGE's filter_with_test).
    evaluation: {
      data_root: roots.test,
      filter_roots: roots.valid ? [roots.valid, roots.test] : [roots.test],
    },
  };
  return parseConfig(
    twhinConfigSchema,
    applyOverrides(raw, overrides),
    `trainer kg --recipe ${recipe}`,
  );
}

/** `trainer kg`: converts the data, trains with a recipe, tests the best checkpoint, writes results.json. */
export async function kgCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const began = performance.now();
  const command = "trainer kg";
  const flags = parseFlags(command, argv, {
    ...COMMON_FLAGS,
    data: { type: "string" },
    recipe: { type: "string" },
    deterministic: { type: "boolean" },
  });
  if (printHelpIfAsked(flags, KG_HELP, io)) return 0;
  const options = commonOptions(command, flags);
  const dataDir = resolve(requiredString(command, flags, "data"));
  const recipe = requiredString(command, flags, "recipe");
  const out = resolve(requiredString(command, flags, "out"));
  if (!findRecipe(recipe)) {
    throw new UsageError(
      `${command}: unknown recipe "${recipe}"; recipes are ${Object.keys(TWHIN_RECIPES).join(", ")}.`,
    );
  }
  const overrides = [...options.overrides];
  if (options.seed !== undefined) overrides.push(`seed=${options.seed}`);
  const graphDir = `${out}/graph`;
  const data = await convertKnowledgeGraphRun(dataDir, out, graphDir);
  const rows = data.descriptor.tables.reduce((total, table) => total + table.num_embeddings, 0);
  const chosen = recipeForGraph(recipe, data.counts.triples["train"]!, rows);
  if (chosen.reason) io.stderr(`recipe: ${chosen.reason}\n`);
  const logger = createLogger({ name: "kg", level: libraryLogLevel(options) });
  let started: Awaited<ReturnType<typeof startRunOutputs>>;
  let config: TwhinConfig;
  let workers: number;
  let workersReason: string;
  let engine: Awaited<ReturnType<typeof selectEngine>>;
  try {
    config = kgConfig(data, chosen.name, `${out}/checkpoints`, overrides);
    if (options.resume) assertSameGraph(data, graphDir);
    engine = await selectEngine({ device: options.device, logger, gradients: false });
    ({ workers, reason: workersReason } = hogwildWorkers(
      config,
      engine.threads,
      booleanFlag(flags, "deterministic"),
    ));
    const plan = planTwhinTraining(config, data.counts.triples["train"]!, {
      workers,
      maxSteps: options.maxSteps,
    });
    started = await startRunOutputs({
      kind: "kg",
      label: "kg",
      out,
      resume: options.resume,
      config,
      totalSteps: plan.numTrainSteps,
      io,
    });
    commitKnowledgeGraph(data, graphDir);
  } catch (error) {
    discardKnowledgeGraph(data);
    throw error;
  }
  const { run, callbacks } = started;
  io.stderr(
    `${engineLine(engine)}, ${workers} Hogwild worker${workers === 1 ? "" : "s"} (${workersReason!})\n`,
  );
  const trained = await trainTwhin({
    config,
    outDir: run.checkpointsDir,
    device: options.device,
    ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}),
    workers,
    resume: true,
    logger,
    callbacks,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  if (trained.status === "aborted") {
    io.stderr(`stopped at step ${trained.step}; continue with the same command and --resume\n`);
    return 130;
  }
  const checkpoint = trained.selected?.checkpoint ?? trained.lastCheckpoint ?? run.checkpointsDir;
  const test = await evaluateTwhin({ config, checkpoint, device: options.device, logger });
  const exported = await publishDirectory(run.exportDir, (temporary) =>
    exportEmbeddings({ config, checkpoint, outDir: temporary }),
  );
  const files = exported.files.map((file) => join(run.exportDir, basename(file)));
  const results: KgResults = {
    format: "tml-kg-results/1",
    data: dataDir,
    test: kgMetrics(test.both),
    test_per_direction: { tail: kgMetrics(test.tail), head: kgMetrics(test.head) },
    recipe: { name: chosen.name, requested: recipe, overrides, settings: config },
    checkpoint,
    status: trained.status,
    steps: trained.step,
    epochs_trained: epochsOf(trained, trained.step),
    best_epoch: trained.selected ? epochsOf(trained, trained.selected.step) : null,
    best_validation_mrr: trained.selected?.mrr ?? null,
    train_seconds: trained.walltimeS,
    test_eval_seconds: test.seconds,
    wall_seconds: (performance.now() - began) / 1000,
    edges_per_s: edgesTrained(trained.plan, trained.step) / trained.walltimeS,
    engine: trained.engine,
    workers,
    counts: data.counts,
  };
  const resultsFile = `${run.root}/results.json`;
  writeFileAtomic(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.test;
  io.stdout(
    `kg ${chosen.name} ${trained.status.replace("_", " ")} at step ${trained.step} (${results.epochs_trained.toFixed(1)} epochs)\n`,
  );
  io.stdout(
    `test (filtered, both directions): MRR ${m.mrr.toFixed(4)}  MR ${m.mr.toFixed(1)}  Hits@1 ${m["hits@1"].toFixed(4)}  Hits@3 ${m["hits@3"].toFixed(4)}  Hits@10 ${m["hits@10"].toFixed(4)}\n`,
  );
  io.stdout(`results:         ${resultsFile}\n`);
  io.stdout(`checkpoint:      ${checkpoint}\n`);
  io.stdout(`embeddings:      ${files.join(", ")}\n`);
  io.stdout(`metrics:         ${run.metricsFile}\n`);
  io.stdout(`tensorboard:     tensorboard --logdir ${run.eventsDir}\n`);
  return 0;
}
