import { existsSync } from "node:fs";
import { latestCheckpoint } from "@tml/training";

/**
 * The step of the newest checkpoint in `checkpointsDir` when the run is finished: that checkpoint
 * reaches `totalSteps` and every path in `outputs` (the export, the final weights) exists. Else
 * undefined. The commands answer `--resume` on a finished run with a message and exit 0, leaving
 * its files untouched (a user may already serve them); a run killed after its last checkpoint but
 * before its outputs is not finished: resuming restores that checkpoint at once and writes them.
 */
export async function finishedStep(
  checkpointsDir: string,
  totalSteps: number,
  outputs: readonly string[],
): Promise<number | undefined> {
  const latest = await latestCheckpoint(checkpointsDir);
  if (latest === undefined || latest.step < totalSteps) return undefined;
  return outputs.every((path) => existsSync(path)) ? latest.step : undefined;
}
