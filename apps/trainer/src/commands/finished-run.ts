import { latestCheckpoint } from "@tml/core";

/**
 * The step of the newest checkpoint in `checkpointsDir` when it already reaches `totalSteps`,
 * else undefined. Resuming a finished run must not train again: the training functions would
 * rebuild the model without restoring it and overwrite the exported weights with fresh ones.
 */
export async function finishedStep(
  checkpointsDir: string,
  totalSteps: number,
): Promise<number | undefined> {
  const latest = await latestCheckpoint(checkpointsDir);
  return latest !== undefined && latest.step >= totalSteps ? latest.step : undefined;
}
