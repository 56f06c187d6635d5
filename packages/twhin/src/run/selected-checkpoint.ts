import { bestCheckpoint, latestCheckpoint } from "@tml/training";

/** The best-validation checkpoint of a TwHIN run (`model_selection` or `training.early_stopping`). */
export interface SelectedCheckpoint {
  /** Its folder, `<save_dir>/<step>`. */
  checkpoint: string;
  step: number;
  /** Its filtered validation MRR. */
  mrr: number;
}

/**
 * The checkpoint a TwHIN run's outputs (test metrics, exported tables) come from: the
 * best-validation one that the loop's early stopping (`model_selection`) kept in `saveDir`, as the
 * newest checkpoint's saved monitor state names it, else the newest in `saveDir`; undefined when
 * there is none.
 */
export async function selectedCheckpoint(saveDir: string): Promise<string | undefined> {
  return (await bestCheckpoint(saveDir))?.checkpoint ?? (await latestCheckpoint(saveDir))?.path;
}
