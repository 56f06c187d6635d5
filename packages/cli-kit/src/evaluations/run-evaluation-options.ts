/** What every evaluation of a trainer run takes: where the run is and where the results go. */
export interface RunEvaluationOptions {
  /** Write report.html and its PNGs (default true; false when a caller assembles its own). */
  report?: boolean;
  /** A trainer run directory, its `checkpoints/`, or one checkpoint. */
  checkpoint: string;
  /** The model's config file (default: the run's resolved `config.yaml`). */
  config?: string;
  /** `key.path=value` overrides applied to the config. */
  overrides?: readonly string[];
  /** Output directory (default `<run>/evaluation`). */
  out?: string;
}
