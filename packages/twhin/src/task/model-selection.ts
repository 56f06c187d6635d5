import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { TaskState } from "@tml/core";
import { listCheckpoints, saveCheckpoint } from "@tml/training";

/** Model selection's progress, saved in every checkpoint so a resumed run continues it. */
export interface ModelSelectionState {
  /** Best validation MRR so far (null before the first validation). */
  bestMrr: number | null;
  /** Step of the best validation. */
  bestStep: number | null;
  /** Validations in a row since the best. */
  stale: number;
}

/** The best-validation checkpoint. */
export interface BestCheckpoint {
  /** Its folder, `<bestDir>/<step>`. */
  checkpoint: string;
  step: number;
  /** Its filtered validation MRR. */
  mrr: number;
}

/**
 * Keeps the best-validation-MRR checkpoint of a run in `bestDir` (one checkpoint, replaced when a
 * validation beats it) and asks the loop to stop after `patience` validations without a better MRR.
 */
export class ModelSelection {
  state: ModelSelectionState = { bestMrr: null, bestStep: null, stale: 0 };

  constructor(private readonly options: { bestDir: string; patience: number | null | undefined }) {}

  /**
   * Records the validation MRR at `step`; when it is the best so far, writes the task's state
   * (from `getState`) as the best checkpoint and removes the previous one. True when it improved.
   */
  async record(
    step: number,
    mrr: number,
    walltimeS: number,
    getState: () => TaskState,
  ): Promise<boolean> {
    const best = this.state.bestMrr;
    if (best !== null && !(mrr > best)) {
      this.state = { ...this.state, stale: this.state.stale + 1 };
      return false;
    }
    this.state = { bestMrr: mrr, bestStep: step, stale: 0 };
    // A run resumed from an earlier checkpoint may find a best of its lost future here: replace it.
    for (const old of await listCheckpoints(this.options.bestDir))
      await rm(old.path, { recursive: true, force: true });
    await saveCheckpoint(this.options.bestDir, {
      modelKind: "twhin",
      step,
      walltimeS,
      state: getState(),
    });
    return true;
  }

  /** The reason to stop (patience exhausted), or undefined. */
  stopRequest(): string | undefined {
    const patience = this.options.patience;
    if (!patience || this.state.stale < patience) return undefined;
    return `validation MRR has not improved on ${this.state.bestMrr} (step ${this.state.bestStep}) for ${this.state.stale} validations (patience ${patience})`;
  }

  /** The best checkpoint so far, or undefined before the first validation. */
  best(): BestCheckpoint | undefined {
    const { bestMrr, bestStep } = this.state;
    if (bestMrr === null || bestStep === null) return undefined;
    return {
      checkpoint: join(this.options.bestDir, String(bestStep)),
      step: bestStep,
      mrr: bestMrr,
    };
  }
}
