import type { Logger, ReportSection } from "@tml/core";
import type { CliIo, LinkPredictionSummary, NeighbourList } from "evaluator";
import type { UserEmbeddings } from "./ranker-data-stage.js";

/** What the TwHIN stage of the main job produced. */
export interface TwhinStageResult {
  status: "completed" | "aborted";
  /** The TwHIN run directory. */
  root: string;
  /** Where the embeddings were exported. */
  exportDir: string;
  /** Completed training steps. */
  step: number;
  /** The `user` table (row i = user i). */
  userEmbeddings: UserEmbeddings;
  linkPrediction: LinkPredictionSummary;
  neighbours: NeighbourList[];
  /** Report sections: training curves, link prediction, nearest neighbours. */
  sections: ReportSection[];
}

/** Options of `runTwhinStage`. */
export interface TwhinStageOptions {
  /** The main job's `twhin` section (validated by @tml/twhin's schema). */
  config: Record<string, unknown>;
  seed: number;
  root: string;
  resume: boolean;
  device: string;
  logger: Logger;
  io: CliIo;
}

/** Trains, evaluates and exports TwHIN inside the main job. */
export async function runTwhinStage(options: TwhinStageOptions): Promise<TwhinStageResult> {
  throw new Error(`TwHIN stage pending (@tml/twhin exports no training API yet): ${options.root}`);
}
