import { access } from "node:fs/promises";
import { join } from "node:path";
import { CheckpointError } from "@tml/core";
import { CHECKPOINT_FILES, readManifest } from "./checkpoint-format.js";
import { latestCheckpoint } from "./checkpoint-store.js";
import type { BestEvaluation, ValidationMonitorsState } from "./validation-monitors.js";

/** The best evaluation of a run with `early_stopping`, with the checkpoint that holds its weights. */
export interface BestCheckpoint extends BestEvaluation {
  /** `<saveDir>/<step>` of the best evaluation. */
  checkpoint: string;
}

/**
 * The best evaluation that `early_stopping` kept in `saveDir`, as the newest checkpoint's saved
 * monitor state names it, with its checkpoint resolved in `saveDir` (so a moved run directory
 * still finds it); undefined when `saveDir` has no checkpoint, or its run no early stopping or no
 * evaluation yet. CheckpointError when the named best checkpoint is missing.
 */
export async function bestCheckpoint(saveDir: string): Promise<BestCheckpoint | undefined> {
  const latest = await latestCheckpoint(saveDir);
  if (!latest) return undefined;
  const manifest = await readManifest(latest.path);
  const monitors = manifest.validation as Partial<ValidationMonitorsState> | undefined;
  const best = monitors?.earlyStopping?.best;
  if (!best) return undefined;
  const checkpoint = join(saveDir, String(best.step));
  const complete = await access(join(checkpoint, CHECKPOINT_FILES.complete)).then(
    () => true,
    () => false,
  );
  if (!complete) {
    throw new CheckpointError(
      `Checkpoint ${latest.path} names step ${best.step} as the best evaluation, but ${checkpoint} is missing; restore it or evaluate ${latest.path} itself.`,
      { details: { path: checkpoint } },
    );
  }
  return { ...best, checkpoint };
}
