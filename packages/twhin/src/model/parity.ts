import type { TwhinModelConfig } from "../config/twhin-config.js";

/**
 * What `model.parity` means, decided here once: `fixed` is the paper's model; `original`
 * reproduces the original's `projects/twhin/models/models.py`, defects included. The model, the
 * step and the task read these settings and never the option itself. (The config schema allows
 * `original` only with the BCE loss and the dot comparator, the original's only pair.)
 */
export interface ParitySettings {
  /** BCE label of the negatives: 0, or the original's 1 (defect 1). */
  negativeLabel: 0 | 1;
  /**
   * Relation operators act on every query and candidate (`op_r(e_lhs)`); the original applies no
   * operator to the negatives and adds the translation to the positive's rhs only (defect 2).
   */
  applyOperators: boolean;
  /** An edge scores the original's `<e_lhs, e_rhs + w_r>` (translation on the rhs). */
  translateRhs: boolean;
  /** Operator parameters get gradients and updates; the original reads them detached (defect 3). */
  trainOperators: boolean;
  /** The head-ranking direction has a positive term; the original's B positives all rank tails. */
  headPositive: boolean;
}

const FIXED: ParitySettings = {
  negativeLabel: 0,
  applyOperators: true,
  translateRhs: false,
  trainOperators: true,
  headPositive: true,
};

const ORIGINAL_DEFECTS: ParitySettings = {
  negativeLabel: 1,
  applyOperators: false,
  translateRhs: true,
  trainOperators: false,
  headPositive: false,
};

/** The settings of a model config's `parity` option. */
export function paritySettings(config: Pick<TwhinModelConfig, "parity">): ParitySettings {
  return config.parity === "original" ? ORIGINAL_DEFECTS : FIXED;
}
