import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CheckpointError, NotFoundError, UsageError } from "@tml/core";

/** The kinds of run a command can be pointed at (`run.json`'s `kind`). */
export type RunKind = "twhin" | "heavy-ranker";

const COMMAND_OF_KIND: Readonly<Record<string, string>> = {
  twhin: "evaluator twhin",
  kg: "evaluator twhin",
  "heavy-ranker": "evaluator heavy-ranker",
};

/** The run kinds (`run.json`) each command kind reads: a `trainer kg` run is a TwHIN run. */
const READS: Readonly<Record<RunKind, readonly string[]>> = {
  twhin: ["twhin", "kg"],
  "heavy-ranker": ["heavy-ranker"],
};

/** Where a `--checkpoint` argument points: the run directory it belongs to (if any) and the checkpoint. */
export interface RunLocation {
  /** The trainer's run directory (has `run.json`), when the checkpoint lives in one. */
  root: string | undefined;
  /** A checkpoint (`<save_dir>/<step>`) or a save dir (its latest is used). */
  checkpoint: string;
  /** The run's resolved `config.yaml`, when there is one. */
  configFile: string | undefined;
  /** The run's `metrics.jsonl`, when there is one. */
  metricsFile: string | undefined;
}

const isRun = (dir: string) => existsSync(join(dir, "run.json"));

function markerKind(root: string): string | undefined {
  try {
    const kind = (JSON.parse(readFileSync(join(root, "run.json"), "utf8")) as { kind?: unknown })
      .kind;
    return typeof kind === "string" ? kind : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves `--checkpoint DIR` of a command on `kind` runs: a trainer run directory (its
 * `checkpoints/`), its `checkpoints/` folder, or one `checkpoints/<step>` inside it; any other
 * checkpoint path is used as is. A missing path is a NotFoundError; a run of another kind (its
 * `run.json`) a CheckpointError naming the command for it, before any config is read.
 */
export function locateRun(path: string, kind: RunKind): RunLocation {
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new NotFoundError(
      `Checkpoint ${path} does not exist: pass a run directory or a checkpoint directory.`,
      {
        details: { path },
      },
    );
  }
  let root: string | undefined;
  let checkpoint = absolute;
  if (isRun(absolute)) {
    root = absolute;
    checkpoint = join(absolute, "checkpoints");
  } else if (basename(absolute) === "checkpoints" && isRun(dirname(absolute))) {
    root = dirname(absolute);
  } else if (basename(dirname(absolute)) === "checkpoints" && isRun(dirname(dirname(absolute)))) {
    root = dirname(dirname(absolute));
  }
  const found = root === undefined ? undefined : markerKind(root);
  if (found !== undefined && !READS[kind].includes(found)) {
    const hint =
      found === "main"
        ? `its stages are runs of their own: ${join(root!, kind)}`
        : COMMAND_OF_KIND[found]
          ? `evaluate it with \`${COMMAND_OF_KIND[found]}\``
          : "point to another run";
    throw new CheckpointError(`${path} is a ${found} run, not a ${kind} run; ${hint}.`, {
      details: { path, kind: found, expected: kind },
    });
  }
  const file = (name: string) =>
    root !== undefined && existsSync(join(root, name)) ? join(root, name) : undefined;
  return { root, checkpoint, configFile: file("config.yaml"), metricsFile: file("metrics.jsonl") };
}

/**
 * The config file of a command on a run: `--config` when given, else the run's `config.yaml`; a
 * UsageError naming `command` when the checkpoint lies outside a run and no `--config` was given.
 */
export function runConfigFile(
  command: string,
  location: RunLocation,
  checkpoint: string,
  config: string | undefined,
): string {
  const file = config ?? location.configFile;
  if (!file) {
    throw new UsageError(
      `${command}: ${checkpoint} is not inside a trainer run directory (no config.yaml); pass --config.`,
    );
  }
  return file;
}
