import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  trainTinyRun,
  trainTinyTwhinRun,
  withDcnBackbone,
  writeTinyRankerData,
} from "@tml/cli-kit/testing";
import { exportEmbeddings } from "@tml/twhin";

/** Tiny trained runs the explorer's tests open: a Heavy Ranker, one with a DCN-v2 backbone, a TwHIN. */
export interface TinyRuns {
  data: string;
  ranker: string;
  dcnRanker: string;
  twhin: string;
}

/**
 * Trains the tiny runs (a few seconds): the ranker on cli-kit's tiny planted data, the same with a
 * DCN-v2 backbone (which the tfjs graph export does not cover) and a TwHIN on a generated graph
 * with its tables exported.
 */
export async function trainTinyRuns(): Promise<TinyRuns> {
  const data = await writeTinyRankerData();
  const root = mkdtempSync(join(tmpdir(), "tml-explorer-"));
  const ranker = await trainTinyRun(data, join(root, "ranker"));
  const dcnRanker = await trainTinyRun(data, join(root, "dcn"), 4, withDcnBackbone);
  const twhin = await trainTinyTwhinRun();
  // As `trainer twhin` does at the end: the tables in export/.
  await exportEmbeddings({
    config: join(twhin, "config.yaml"),
    checkpoint: join(twhin, "checkpoints"),
    outDir: join(twhin, "export"),
  });
  return { data, ranker, dcnRanker, twhin };
}
