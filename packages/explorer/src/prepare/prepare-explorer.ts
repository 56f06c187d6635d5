import { existsSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { NotFoundError, UsageError, writeFileAtomic } from "@tml/core";
import type { ExplorerManifest } from "../shared/explorer-manifest.js";
import { prepareRankerSection, type RankerSource } from "./ranker-section.js";
import { prepareTwhinSection, type TwhinSource } from "./twhin-section.js";

/** The explorer's folder inside a run directory: the only thing `prepareExplorer` writes. */
export const EXPLORER_FOLDER = "explorer";

/** What `prepareExplorer` wrote. */
export interface PreparedExplorer {
  /** The run directory. */
  root: string;
  /** `<root>/explorer`: explorer.json, model/, twhin/. */
  explorerDir: string;
  manifest: ExplorerManifest;
}

/**
 * Prepares the explorer's data for a trainer run: the main job's (Heavy Ranker on the sample
 * timeline, TwHIN tables with the generated graph's communities), a `trainer heavy-ranker` run's
 * (candidates from its validation data) or a `trainer twhin` / `trainer kg` run's (tables only).
 * Everything is built in a sibling staging folder and renamed to `<root>/explorer` at the end;
 * on any error the staging folder is removed, so the run directory is left as it was.
 */
export async function prepareExplorer(runDir: string): Promise<PreparedExplorer> {
  const root = resolve(runDir);
  const kind = runKind(root, runDir);
  const sources = sourcesOf(root, kind);
  const explorerDir = join(root, EXPLORER_FOLDER);
  const staging = join(root, `${EXPLORER_FOLDER}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const ranker = sources.ranker
      ? await prepareRankerSection(sources.ranker, join(staging, "model"))
      : null;
    const twhin = sources.twhin ? await prepareTwhinSection(sources.twhin, staging) : null;
    const manifest: ExplorerManifest = {
      run: root,
      kind,
      prepared: new Date().toISOString(),
      ranker,
      twhin,
    };
    writeFileAtomic(join(staging, "explorer.json"), JSON.stringify(manifest));
    rmSync(explorerDir, { recursive: true, force: true });
    renameSync(staging, explorerDir);
    return { root, explorerDir, manifest };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function runKind(root: string, given: string): string {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new NotFoundError(`run directory ${given} does not exist`);
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(join(root, "run.json"), "utf8")) as { kind?: unknown }).kind;
  } catch (cause) {
    throw new NotFoundError(
      `${given} is not a trainer run directory (no readable run.json): pass the --out of trainer, trainer heavy-ranker or trainer twhin`,
      { cause },
    );
  }
  return String(kind);
}

function sourcesOf(
  root: string,
  kind: string,
): { ranker: RankerSource | undefined; twhin: TwhinSource | undefined } {
  switch (kind) {
    case "main":
      return {
        ranker: {
          root: join(root, "heavy-ranker"),
          candidatesFile: join(root, "data", "ranker", "timeline", "candidates.parquet"),
        },
        twhin: { root: join(root, "twhin"), graphDir: join(root, "data", "graph") },
      };
    case "heavy-ranker":
      return { ranker: { root }, twhin: undefined };
    case "twhin":
    case "kg":
      return { ranker: undefined, twhin: { root } };
    default:
      throw new UsageError(
        `${root} is a ${kind} run; the explorer opens main, heavy-ranker, twhin and kg runs`,
      );
  }
}
