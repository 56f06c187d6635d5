import { join } from "node:path";
import {
  type CliIo,
  evaluateTwhinRun,
  type LinkPredictionSummary,
  workProgress,
} from "@tml/cli-kit";
import type { Logger } from "@tml/core";
import type { ReportSection } from "@tml/reports";
import {
  type EntityNeighbours,
  exportEmbeddings,
  loadTwhinModel,
  plannedTrainSteps,
  selectedCheckpoint,
  type TwhinConfig,
  trainTwhin,
} from "@tml/twhin";
import { finishedStep } from "./finished-run.js";
import { publishDirectory } from "./publish-directory.js";
import type { UserEmbeddings } from "./ranker-data-stage.js";
import { startRunOutputs } from "./run-outputs.js";

/** What the TwHIN stage of the main job produced. */
export interface TwhinStageResult {
  status: "completed" | "aborted";
  /** The TwHIN run directory. */
  root: string;
  /** Where the embeddings were exported (`<table>.parquet`). */
  exportDir: string;
  /** Completed training steps. */
  step: number;
  /** The `user` table (row i = user i). */
  userEmbeddings: UserEmbeddings;
  linkPrediction: LinkPredictionSummary;
  neighbours: EntityNeighbours[];
  /** Report sections: link prediction, nearest neighbours, training curves. */
  sections: ReportSection[];
}

/** Options of `runTwhinStage`. */
export interface TwhinStageOptions {
  /** The main job's validated `twhin` section (the job's seed is added). */
  config: Omit<TwhinConfig, "seed">;
  seed: number;
  root: string;
  resume: boolean;
  device: string;
  /** Hogwild workers (1: one thread, deterministic). */
  workers: number;
  logger: Logger;
  io: CliIo;
}

/**
 * Trains TwHIN on the generated graph (resuming from its checkpoints), exports every table, and
 * evaluates filtered link prediction on the held-out edges with nearest neighbours of sample users.
 */
export async function runTwhinStage(options: TwhinStageOptions): Promise<TwhinStageResult> {
  const config: TwhinConfig = { ...options.config, seed: options.seed };
  const totalSteps = await plannedTrainSteps(config, { workers: options.workers });
  const { run, callbacks } = await startRunOutputs({
    kind: "twhin",
    label: "twhin",
    out: options.root,
    resume: options.resume,
    config,
    totalSteps,
    io: options.io,
  });
  // The stage exports and evaluates every time, so only the checkpoint is owed here.
  const done = await finishedStep(run.checkpointsDir, totalSteps, []);
  if (done !== undefined) options.io.stderr(`twhin: already trained to step ${done}; reusing it\n`);
  const trained =
    done !== undefined
      ? { status: "already_finished" as const, step: done }
      : await trainTwhin({
          config,
          outDir: run.checkpointsDir,
          device: options.device,
          workers: options.workers,
          resume: true,
          logger: options.logger,
          callbacks,
          ...(options.io.signal ? { signal: options.io.signal } : {}),
        });
  if (trained.status === "aborted") {
    return {
      status: "aborted",
      root: run.root,
      exportDir: run.exportDir,
      step: trained.step,
      userEmbeddings: { values: new Float32Array(0), dim: 0, rows: 0 },
      linkPrediction: { overall: {} },
      neighbours: [],
      sections: [],
    };
  }
  // The tables come from the best-validation checkpoint when model_selection kept one, else the
  // last (a finished run is not retrained or restored).
  const checkpoint = (await selectedCheckpoint(run.checkpointsDir)) ?? run.checkpointsDir;
  const { model } = await loadTwhinModel(config, checkpoint);
  const user = model.tables.find((table) => table.name === "user") ?? model.tables[0];
  if (!user) throw new Error("TwHIN model has no tables");
  const userEmbeddings = { values: user.toFloat32(), dim: user.dim, rows: user.rows };
  await publishDirectory(run.exportDir, (temporary) =>
    exportEmbeddings({ config, checkpoint, outDir: temporary }),
  );
  const evaluation = await evaluateTwhinRun({
    checkpoint: run.root,
    out: join(run.root, "evaluation"),
    report: false,
    device: options.device,
    logger: options.logger,
    neighbours: 5,
    onProgress: workProgress(options.io, { label: "twhin evaluation", unit: "queries" }),
  });
  return {
    status: "completed",
    root: run.root,
    exportDir: run.exportDir,
    step: trained.step,
    userEmbeddings,
    linkPrediction: evaluation.summary,
    neighbours: evaluation.neighbours,
    sections: evaluation.sections,
  };
}
