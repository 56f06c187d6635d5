import { join } from "node:path";
import { createLogger, type Logger, writeFileAtomic } from "@tml/core";
import { rankWithCheckpoint, type ScorerKind } from "@tml/heavy-ranker";
import { type WrittenReport, writeReport } from "@tml/reports";
import { type RankedRow, rankingSection } from "../reports/ranking.js";
import { locateRun, runConfigFile } from "../run-location.js";
import { scorerLabel } from "./scorer-label.js";

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
  /** Serving weights by task name (default: the published weights). */
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
 * `evaluator rank` on a run: heavy-ranker's `rankWithCheckpoint` (score = Σ serving weight ×
 * calibrated probability, best first with every task's contribution), written as `ranking.json`
 * and `report.html`.
 */
export async function rankRun(options: RankRunOptions): Promise<RankRunResult> {
  const location = locateRun(options.checkpoint, "heavy-ranker");
  const configFile = runConfigFile(COMMAND, location, options.checkpoint, options.config);
  const { step, ranked, runtimeVersion, scorer } = await rankWithCheckpoint({
    command: COMMAND,
    configFile,
    checkpoint: location.checkpoint,
    candidates: options.candidates,
    device: options.device ?? "auto",
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.scorer ? { scorer: options.scorer } : {}),
    logger: options.logger ?? createLogger({ name: "evaluator", level: "warn" }),
  });
  const out = options.out ?? join(location.root ?? ".", "ranking");
  const rankingJson = join(out, "ranking.json");
  writeFileAtomic(
    rankingJson,
    `${JSON.stringify({ step, candidates: options.candidates, scorer, onnxruntime: runtimeVersion ?? null, ranked }, null, 2)}\n`,
  );
  const report =
    options.report === false
      ? undefined
      : await writeReport(out, {
          title: "Heavy Ranker: ranked candidates",
          subtitle: `checkpoint step ${step}; ${ranked.length} candidates from ${options.candidates}, scored by ${scorerLabel(scorer, runtimeVersion)}`,
          sections: [rankingSection(ranked, "rank", options.top ?? 20)],
        });
  return { step, scorer, ranked, out, rankingJson, report };
}
