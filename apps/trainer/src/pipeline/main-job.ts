import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  type CliIo,
  engineLine,
  evaluateHeavyRankerRun,
  explainCandidate,
  formatTable,
  linkMetricColumns,
  linkMetricRows,
  rankingSection,
  rankRun,
  TASK_METRIC_COLUMNS,
  taskMetricRows,
} from "@tml/cli-kit";
import { configToYaml, createLogger, type LogLevel, writeFileAtomic } from "@tml/core";
import { twitterGraphSpec, writeGraph } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { type TaskMetrics, trainHeavyRanker } from "@tml/heavy-ranker";
import {
  prepareRunDirectory,
  type ReportSection,
  runDirectoryLayout,
  writeReport,
} from "@tml/reports";
import { hogwildWorkers } from "@tml/twhin";
import { finishedStep } from "./finished-run.js";
import { loadMainJobConfig } from "./main-job-config.js";
import { generateRankerData } from "./ranker-data-stage.js";
import { startRunOutputs } from "./run-outputs.js";
import { runTwhinStage } from "./twhin-stage.js";

/** Options of `runMainJob`. */
export interface MainJobOptions {
  /** Run directory (default `runs/main`). */
  out: string;
  /** A main-job YAML instead of the embedded default. */
  configFile?: string;
  overrides: readonly string[];
  device: string;
  seed?: number;
  resume: boolean;
  /** Caps both training stages' steps (quick runs and tests). */
  maxSteps?: number;
  /** TwHIN on one thread (bit-identical reruns) instead of Hogwild workers on every thread. */
  deterministic?: boolean;
  logLevel: LogLevel;
  io: CliIo;
}

/** Paths of everything the main job wrote. */
export interface MainJobResult {
  root: string;
  report: string;
  metricsJson: string;
  status: "completed" | "aborted";
}

/**
 * The end-to-end job: generate a Twitter-like graph with planted communities → train TwHIN →
 * export its user embeddings → generate Heavy Ranker rows whose user/author features are those
 * embeddings (labels depend on the true communities) → train the Heavy Ranker → evaluate both →
 * rank a sample timeline with the published serving weights and explain the top items → one
 * report. Each stage resumes (`resume`) or reuses its complete output.
 */
export async function runMainJob(options: MainJobOptions): Promise<MainJobResult> {
  const { io } = options;
  const say = (text: string) => io.stderr(`${text}\n`);
  const root = resolve(options.out);
  const overrides = [...options.overrides];
  if (options.seed !== undefined) overrides.push(`seed=${options.seed}`);
  if (options.maxSteps !== undefined) {
    overrides.push(`twhin.training.num_train_steps=${options.maxSteps}`);
    overrides.push(`heavy_ranker.training.num_train_steps=${options.maxSteps}`);
  }
  // Config and device are checked before anything is written.
  const config = loadMainJobConfig({
    runDir: root,
    overrides,
    ...(options.configFile ? { file: options.configFile } : {}),
  });
  const logger = createLogger({ name: "trainer", level: options.logLevel });
  const engine = await selectEngine({ device: options.device, logger });
  const { workers, reason } = hogwildWorkers(
    { ...config.twhin, seed: config.seed },
    engine.threads,
    options.deterministic === true,
  );
  say(
    `${engineLine(engine)}, TwHIN on ${workers} Hogwild worker${workers === 1 ? "" : "s"} (${reason})`,
  );
  const run = prepareRunDirectory(root, { kind: "main", resume: options.resume });
  say(run.resumed ? `resuming the main job in ${root}` : `main job in ${root}`);
  writeFileAtomic(run.configFile, configToYaml(config));

  // 1. The graph.
  const graphDir = join(root, "data", "graph");
  if (!existsSync(join(graphDir, "graph.json"))) {
    const began = performance.now();
    const data = config.data;
    const graph = await writeGraph(
      graphDir,
      twitterGraphSpec({
        users: data.users,
        tweets: data.tweets,
        edges: data.edges,
        communities: data.communities,
      }),
      { seed: config.seed, testFraction: 0.02 },
    );
    say(
      `graph: ${graph.splits.train?.rows} train / ${graph.splits.test?.rows} test edges, ${data.communities} planted communities (${seconds(began)})`,
    );
  }

  // 2. TwHIN: train, evaluate link prediction, export the embeddings.
  const twhin = await runTwhinStage({
    config: config.twhin,
    seed: config.seed,
    root: join(root, "twhin"),
    resume: resumesStage(run.resumed, join(root, "twhin")),
    device: options.device,
    workers,
    logger,
    io,
  });
  if (twhin.status === "aborted") return aborted(root, say);

  // 3. Heavy Ranker rows with TwHIN embeddings as user/author features.
  const began = performance.now();
  const rankerData = await generateRankerData(
    join(root, "data", "ranker"),
    config,
    twhin.userEmbeddings,
    graphDir,
  );
  say(
    `ranker data: ${config.data.ranker_rows} train / ${config.data.validation_rows} validation rows with TwHIN user/author embeddings (${seconds(began)})`,
  );

  // 4. Heavy Ranker training.
  const hrConfig = config.heavy_ranker;
  const hrRoot = join(root, "heavy-ranker");
  const totalSteps = hrConfig.training.num_train_steps;
  const outputs = await startRunOutputs({
    kind: "heavy-ranker",
    label: "heavy-ranker",
    out: hrRoot,
    resume: resumesStage(run.resumed, hrRoot),
    config: hrConfig,
    totalSteps,
    io,
  });
  const done = await finishedStep(outputs.run.checkpointsDir, totalSteps, [
    join(hrRoot, "model.safetensors"),
  ]);
  if (done !== undefined) say(`heavy-ranker: already trained to step ${done}; reusing it`);
  const trained =
    done !== undefined
      ? { status: "already_finished" as const, step: done, parameters: undefined }
      : await trainHeavyRanker({
          config: hrConfig,
          outDir: hrRoot,
          device: options.device,
          resume: outputs.run.resumed,
          logger,
          callbacks: outputs.callbacks,
          evalEveryN: Math.max(1, Math.floor(totalSteps / 4)),
          seed: config.seed,
          ...(io.signal ? { signal: io.signal } : {}),
        });
  if (trained.status === "aborted") return aborted(root, say);

  // 5. Evaluation of the ranker and a ranked sample timeline.
  const evaluation = await evaluateHeavyRankerRun({
    checkpoint: hrRoot,
    data: rankerData.validationGlob,
    out: join(hrRoot, "evaluation"),
    report: false,
    device: options.device,
    logger,
  });
  const ranking = await rankRun({
    checkpoint: hrRoot,
    candidates: rankerData.timelineFile,
    out: join(hrRoot, "ranking"),
    report: false,
    device: options.device,
    logger,
  });

  // 6. One report of everything.
  const sections: ReportSection[] = [
    {
      heading: "Pipeline",
      text: `Graph of ${config.data.users} users and ${config.data.tweets} Tweets with ${config.data.communities} planted communities → TwHIN (${twhin.step} steps) → user embeddings (${twhin.userEmbeddings.rows} × ${twhin.userEmbeddings.dim}) as the Heavy Ranker's user and author features → Heavy Ranker (${trained.step} steps${trained.parameters === undefined ? "" : `, ${trained.parameters} parameters`}) on ${engine.label}.`,
    },
    ...twhin.sections,
    ceilingSection(evaluation.metrics, readGeneratorReport(join(root, "data", "ranker", "train"))),
    ...evaluation.sections,
    rankingSection(ranking.ranked, "timeline", 10),
  ];
  const reportDir = join(root, "report");
  const written = await writeReport(reportDir, {
    title: "tml-ts main job: TwHIN → Heavy Ranker",
    subtitle: `seed ${config.seed}; ${new Date().toISOString()}`,
    sections,
  });
  const metricsJson = join(reportDir, "metrics.json");
  writeFileAtomic(
    metricsJson,
    `${JSON.stringify({ twhin: { step: twhin.step, ...twhin.linkPrediction }, heavy_ranker: { step: trained.step, tasks: evaluation.metrics }, timeline: ranking.ranked.slice(0, 10) }, null, 2)}\n`,
  );

  // 7. What happened and where everything went.
  io.stdout(`\nTwHIN link prediction (filtered, held-out edges):\n`);
  io.stdout(
    `${formatTable(["edges", ...linkMetricColumns(twhin.linkPrediction.overall)], linkMetricRows(twhin.linkPrediction))}\n`,
  );
  io.stdout(
    `\nHeavy Ranker (validation):\n${formatTable(TASK_METRIC_COLUMNS, taskMetricRows(evaluation.metrics))}\n`,
  );
  const truth = readGeneratorReport(join(root, "data", "ranker", "train"));
  io.stdout(
    `Bayes-optimal AUC of the planted labels: ${evaluation.metrics.map((m) => `${m.task.replace("recap.engagement.", "")} ${truth[m.task]?.bayesAuc.toFixed(4) ?? "?"}`).join(", ")}\n`,
  );
  io.stdout(`\nSample timeline, top 5 of ${ranking.ranked.length} (published serving weights):\n`);
  ranking.ranked.slice(0, 5).forEach((row, rank) => {
    io.stdout(
      `  ${rank + 1}. candidate ${row.index}  score ${row.score.toFixed(4)}  ${explainCandidate(row)}\n`,
    );
  });
  io.stdout(`\nOutputs in ${root}:\n`);
  io.stdout(
    `  report        ${written.html} (${written.pngs.length} plots also as PNG in ${join(reportDir, "plots")})\n`,
  );
  io.stdout(`  metrics       ${metricsJson}\n`);
  io.stdout(`  config        ${run.configFile}\n`);
  io.stdout(`  data          ${join(root, "data")} (graph/, ranker/)\n`);
  io.stdout(
    `  TwHIN         ${twhin.root} (checkpoints/, metrics.jsonl, embeddings in ${twhin.exportDir})\n`,
  );
  io.stdout(
    `  Heavy Ranker  ${hrRoot} (checkpoints/, metrics.jsonl, model.safetensors, evaluation/metrics.json, ranking/ranking.json)\n`,
  );
  io.stdout(`  TensorBoard   tensorboard --logdir ${root}\n`);
  io.stdout(`  Explorer      evaluator explore --run ${root} (the models, in your browser)\n`);
  return { root, report: written.html, metricsJson, status: "completed" };
}

/** The generator's per-task truth (`generator.json`): Bayes-optimal AUC of the planted model. */
function readGeneratorReport(
  dir: string,
): Record<string, { bayesAuc: number; realizedAuc: number }> {
  const path = join(dir, "generator.json");
  if (!existsSync(path)) return {};
  return (
    (
      JSON.parse(readFileSync(path, "utf8")) as {
        tasks?: Record<string, { bayesAuc: number; realizedAuc: number }>;
      }
    ).tasks ?? {}
  );
}

/** The ranker's validation AUROC next to the best any model can reach on the planted data. */
function ceilingSection(
  metrics: readonly TaskMetrics[],
  truth: Record<string, { bayesAuc: number; realizedAuc: number }>,
): ReportSection {
  return {
    heading: "Heavy Ranker against the planted model",
    text: "The ranker data's labels are drawn from a hidden logistic model of a few features, their interactions and whether user and author share a graph community; the Bayes-optimal AUC is what that hidden model itself reaches. The ranker sees the communities only through the TwHIN embeddings.",
    table: {
      columns: ["task", "validation AUROC", "Bayes-optimal AUC", "share of the achievable lift"],
      rows: metrics.map((m) => {
        const best = truth[m.task]?.bayesAuc;
        return [
          m.task,
          m.auroc,
          best ?? null,
          best === undefined ? null : (m.auroc - 0.5) / (best - 0.5),
        ];
      }),
    },
  };
}

/** A stage continues its own run when the main job resumes and the stage had started one. */
function resumesStage(mainResumed: boolean, stageRoot: string): boolean {
  return mainResumed && existsSync(runDirectoryLayout(stageRoot).markerFile);
}

function seconds(began: number): string {
  return `${((performance.now() - began) / 1000).toFixed(1)}s`;
}

function aborted(root: string, say: (text: string) => void): MainJobResult {
  say(`stopped; the last checkpoints are intact. Continue with: trainer --out ${root} --resume`);
  return { root, report: "", metricsJson: "", status: "aborted" };
}
