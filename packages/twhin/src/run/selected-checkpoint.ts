import { join } from "node:path";
import { latestCheckpoint } from "@tml/training";

/**
 * The checkpoint a TwHIN run's outputs (test metrics, exported tables) come from: the
 * best-validation one that `model_selection` kept in `<saveDir>/best/<step>`, else the newest in
 * `saveDir`; undefined when there is none.
 */
export async function selectedCheckpoint(saveDir: string): Promise<string | undefined> {
  return (
    (await latestCheckpoint(join(saveDir, "best")))?.path ?? (await latestCheckpoint(saveDir))?.path
  );
}
