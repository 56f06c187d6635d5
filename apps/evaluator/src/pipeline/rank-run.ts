import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  createLogger,
  DataError,
  type Logger,
  NotFoundError,
  UsageError,
  writeFileAtomic,
} from "@tml/core";
import { countParquetRows } from "@tml/data-io";
import { selectEngine } from "@tml/engine";
import { disposeRecapBatch, loadRecapConfig, rankCandidates } from "@tml/heavy-ranker";
import { type WrittenReport, writeReport } from "@tml/reports";
import { type RankedRow, rankingSection } from "../reports/ranking.js";
import {
  loadScorerRuntime,
  restoreScoringRanker,
  type ScorerKind,
  scorerLabel,
} from "./ranker-scorer.js";
import { checkRankerCheckpoint } from "./recap-model.js";
import { locateRun } from "./run-location.js";

const COMMAND = "evaluator rank";

/** Options of `rankRun`. */
export interface RankRunOptions {
  /** Write report.html and its PNGs (default true; false when a caller assembles its own). */
  report?: boolean;
  /** A trainer run directory, its `checkpoints/`, or one checkpoint. */
  checkpoint: string;
  /** Parquet file (or glob) of candidate rows in the training data's layout. */
  candidates: string;
  /** Recap config (default: the run's `config.yaml`). */
  config?: string;
  /** Serving weights by task name (default: the published weights, §3.1). */
  weights?: Readonly<Record<string, number>>;
  /** Output directory (default `<run>/ranking`). */
  out?: string;
  device?: string;
  /** Rows listed in the report table (default 20). */
  top?: number;
  /** tfjs model (default) or its ONNX graph in fp32 / int8 (onnxruntime-node). */
  scorer?: ScorerKind;
  logger?: Logger;
}

/** What `rankRun` ranked and wrote. */
export interface RankRunResult {
  step: number;
  /** Which scorer computed the scores. */
  scorer: ScorerKind;
  ranked: RankedRow[];
  out: string;
  rankingJson: string;
  /** The written report, unless `report: false`. */
  report: WrittenReport | undefined;
}

/**
 * Ranks candidate rows with a Heavy Ranker checkpoint and the serving weights
 * (score = Σ weight × calibrated probability, heavy-ranker's `rankCandidates`), best first with
 * every task's contribution; writes `ranking.json` and `report.html`.
 */
export async function rankRun(options: RankRunOptions): Promise<RankRunResult> {
  const location = locateRun(options.checkpoint);
  const configFile = options.config ?? location.configFile;
  if (!configFile) {
    throw new UsageError(
      `evaluator rank: ${options.checkpoint} is not inside a trainer run directory (no config.yaml); pass --config.`,
    );
  }
  const loaded = loadRecapConfig(configFile);
  await checkRankerCheckpoint(location.checkpoint);
  // One batch of all candidates: the eval pass drops a short last batch.
  if (!existsSync(options.candidates)) {
    throw new NotFoundError(`evaluator rank: candidates file ${options.candidates} does not exist`);
  }
  const rows = await countParquetRows(options.candidates).catch((cause: unknown) => {
    throw new DataError(
      `evaluator rank: ${options.candidates} is not a readable Parquet file (${(cause as Error).message.split("\n")[0]})`,
      { cause },
    );
  });
  if (rows === 0) throw new DataError(`evaluator rank: ${options.candidates} holds no candidates`);
  const data = { ...loaded.train_data, inputs: options.candidates, global_batch_size: rows };
  const config = { ...loaded, train_data: data, validation_data: { candidates: data } };
  const logger = options.logger ?? createLogger({ name: "evaluator", level: "warn" });
  await selectEngine({ device: options.device ?? "auto", logger });
  const scorerKind = options.scorer ?? "tfjs";
  const runtime = loadScorerRuntime(COMMAND, scorerKind);
  const runtimeVersion = runtime?.version;
  const { ranker, scorer, dispose } = await restoreScoringRanker({
    command: COMMAND,
    config,
    checkpoint: location.checkpoint,
    partition: "candidates",
    kind: scorerKind,
    runtime,
  });
  const ranked: RankedRow[] = [];
  try {
    for await (const batch of ranker.batches("candidates")) {
      try {
        ranked.push(...rankCandidates(scorer, batch, options.weights));
      } finally {
        disposeRecapBatch(batch);
      }
    }
  } finally {
    dispose();
  }
  const step = ranker.step;
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  const out = options.out ?? join(location.root ?? ".", "ranking");
  const rankingJson = join(out, "ranking.json");
  writeFileAtomic(
    rankingJson,
    `${JSON.stringify({ step, candidates: options.candidates, scorer: scorerKind, onnxruntime: runtimeVersion ?? null, ranked }, null, 2)}\n`,
  );
  const report =
    options.report === false
      ? undefined
      : await writeReport(out, {
          title: "Heavy Ranker: ranked candidates",
          subtitle: `checkpoint step ${step}; ${ranked.length} candidates from ${options.candidates}, scored by ${scorerLabel(scorerKind, runtimeVersion)}`,
          sections: [rankingSection(ranked, "rank", options.top ?? 20)],
        });
  return { step, scorer: scorerKind, ranked, out, rankingJson, report };
}
