import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { CheckpointError, NotFoundError, UsageError, writeFileAtomic } from "@tml/core";

/** Where a training run keeps each of its outputs. */
export interface RunDirectory {
  /** The run directory itself (absolute). */
  root: string;
  /** `run.json`: marks the directory as a tml-ts run (kind, creation time). */
  markerFile: string;
  /** `config.yaml`: the resolved config (after overrides), as `configToYaml` prints it. */
  configFile: string;
  /** `metrics.jsonl`: train and eval records (`metricsLogCallbacks`). */
  metricsFile: string;
  /** `events/`: TensorBoard event files (`tensorboard --logdir <root>`). */
  eventsDir: string;
  /** `checkpoints/`: one sub-directory per saved step (the training config's `save_dir`). */
  checkpointsDir: string;
  /** `export/`: the exported model (embeddings, graph model, safetensors). */
  exportDir: string;
  /** `report/`: `report.html`, `metrics.json` and `plots/*.png`. */
  reportDir: string;
}

/** The content of a run directory's `run.json` marker. */
export interface RunMarker {
  format: "tml-run/1";
  kind: string;
  created: string;
}

/** The layout of a run directory at `root` (nothing is created). */
export function runDirectoryLayout(root: string): RunDirectory {
  const absolute = resolve(root);
  return {
    root: absolute,
    markerFile: join(absolute, "run.json"),
    configFile: join(absolute, "config.yaml"),
    metricsFile: join(absolute, "metrics.jsonl"),
    eventsDir: join(absolute, "events"),
    checkpointsDir: join(absolute, "checkpoints"),
    exportDir: join(absolute, "export"),
    reportDir: join(absolute, "report"),
  };
}

/** Options of `prepareRunDirectory`. */
export interface PrepareRunOptions {
  /** What runs here (`twhin`, `heavy-ranker`, `main`); resuming another kind's run is an error. */
  kind: string;
  /**
   * Continue the run at `root`, which must exist (NotFoundError otherwise: a mistyped path must
   * not silently start a new run); without it an earlier run at `root` is removed first.
   */
  resume: boolean;
}

/** A prepared run directory and whether an earlier run was found to resume. */
export interface PreparedRun extends RunDirectory {
  resumed: boolean;
}

function readMarker(path: string): RunMarker | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const marker = JSON.parse(readFileSync(path, "utf8")) as RunMarker;
    return marker.format === "tml-run/1" ? marker : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The checks `prepareRunDirectory` makes before it writes anything, for commands that want them
 * before validating their other inputs: a non-empty directory that is not a run (UsageError), a
 * run of another kind (CheckpointError), `resume` without a run (NotFoundError). Writes nothing.
 */
export function checkRunDirectory(
  root: string,
  options: PrepareRunOptions,
): { layout: RunDirectory; entries: string[]; marker: RunMarker | undefined } {
  const layout = runDirectoryLayout(root);
  const entries = existsSync(layout.root) ? readdirSync(layout.root) : [];
  const marker = readMarker(layout.markerFile);
  if (entries.length > 0 && !marker) {
    throw new UsageError(
      `${layout.root} is not empty and is not a tml-ts run directory (no run.json); refusing to overwrite it. Pass an empty or new --out directory.`,
      { details: { path: layout.root } },
    );
  }
  if (marker && marker.kind !== options.kind) {
    throw new CheckpointError(
      `${layout.root} holds a ${marker.kind} run, not a ${options.kind} run; use another --out directory.`,
      { details: { path: layout.root, kind: marker.kind } },
    );
  }
  if (options.resume && !marker) {
    throw new NotFoundError(
      `Nothing to resume in ${layout.root}: it holds no tml-ts run (no run.json). Check the path, or drop --resume to start a new run there.`,
      { details: { path: layout.root } },
    );
  }
  return { layout, entries, marker };
}

/**
 * Makes `root` ready for a run. A missing or empty directory becomes a new run. An earlier tml-ts
 * run there (it has `run.json`) is continued when `resume` is set and removed otherwise, so a
 * second run starts fresh; `resume` without a run there is a NotFoundError. A non-empty directory
 * that is not a run is never touched: UsageError.
 */
export function prepareRunDirectory(root: string, options: PrepareRunOptions): PreparedRun {
  const { layout, entries, marker } = checkRunDirectory(root, options);
  const resumed = options.resume;
  if (marker && !resumed) {
    // The marker says tml-ts made this directory, so all of it belongs to the earlier run.
    for (const entry of entries) rmSync(join(layout.root, entry), { recursive: true, force: true });
  }
  mkdirSync(layout.root, { recursive: true });
  if (!resumed) {
    const fresh: RunMarker = {
      format: "tml-run/1",
      kind: options.kind,
      created: new Date().toISOString(),
    };
    writeFileAtomic(layout.markerFile, `${JSON.stringify(fresh, null, 2)}\n`);
  }
  return { ...layout, resumed };
}
