import { latestCheckpoint } from "@tml/training";

/**
 * The step of the newest checkpoint in `checkpointsDir` when it already reaches `totalSteps`,
 * else undefined. The commands use it to answer `--resume` on a finished run with a message and
 * exit 0, leaving its checkpoints and exported files untouched (training would restore the state
 * and stop at once, but the export step would rewrite files a user may already be serving).
 */
export async function finishedStep(
  checkpointsDir: string,
  totalSteps: number,
): Promise<number | undefined> {
  const latest = await latestCheckpoint(checkpointsDir);
  return latest !== undefined && latest.step >= totalSteps ? latest.step : undefined;
}
