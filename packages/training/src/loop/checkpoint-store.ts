import { randomBytes } from "node:crypto";
import { access, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StateArray } from "@tml/core";
import { CheckpointError, debugKillPoint, NotFoundError } from "@tml/core";
import {
  CHECKPOINT_FILES,
  type CheckpointContent,
  readArrays,
  readManifest,
  writeCheckpointDir,
} from "./checkpoint-format.js";

/** A complete checkpoint directory `<save_dir>/<step>`. */
export interface CheckpointRef {
  step: number;
  path: string;
}

/** A loaded checkpoint. */
export interface LoadedCheckpoint extends CheckpointContent {
  path: string;
}

/** Options of `loadCheckpoint` / `loadCheckpointArray`. */
export interface LoadCheckpointOptions {
  /** Fail with `CheckpointError` unless the checkpoint was written by this model kind. */
  modelKind?: string;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Complete checkpoints in `saveDir` (directories named by an integer step holding the completion
 * marker), oldest first. A missing `saveDir` has none.
 */
export async function listCheckpoints(saveDir: string): Promise<CheckpointRef[]> {
  const names = await readdir(saveDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const found: CheckpointRef[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const path = join(saveDir, name);
    if (await exists(join(path, CHECKPOINT_FILES.complete)))
      found.push({ step: Number(name), path });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint in `saveDir`, or undefined. */
export async function latestCheckpoint(saveDir: string): Promise<CheckpointRef | undefined> {
  return (await listCheckpoints(saveDir)).at(-1);
}

/** Writes `<saveDir>/<step>` atomically; returns its path and size in bytes. */
export async function saveCheckpoint(
  saveDir: string,
  content: CheckpointContent,
): Promise<{ path: string; bytes: number }> {
  const path = join(saveDir, String(content.step));
  const bytes = await writeCheckpointDir(path, content);
  return { path, bytes };
}

/**
 * Deletes what a crashed run left in `saveDir`: half-written checkpoints and checkpoints being
 * pruned (`.tmp-*` directories), and step directories without the completion marker (what a
 * delete killed half-way leaves; `saveCheckpoint` never makes one). Returns their paths. Call only
 * when no other process writes to `saveDir`.
 */
export async function removePartialCheckpoints(saveDir: string): Promise<string[]> {
  const names = await readdir(saveDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const path = join(saveDir, name);
    const incomplete = /^\d+$/.test(name) && !(await exists(join(path, CHECKPOINT_FILES.complete)));
    if (name.startsWith(".tmp-") || incomplete) removed.push(path);
  }
  for (const path of removed) await rm(path, { recursive: true, force: true });
  return removed;
}

/**
 * Deletes all but the newest `maxToKeep` complete checkpoints, sparing the paths in `keep` (the
 * best checkpoint of early stopping); returns the removed paths. Each is first renamed to a
 * `.tmp-pruned-*` name (atomic), so a kill while deleting leaves only a temp directory that the
 * next run removes, never a half-deleted `<step>` directory.
 */
export async function pruneCheckpoints(
  saveDir: string,
  maxToKeep: number,
  keep: readonly string[] = [],
): Promise<string[]> {
  const all = await listCheckpoints(saveDir);
  const removed = all
    .slice(0, Math.max(0, all.length - maxToKeep))
    .map((ref) => ref.path)
    .filter((path) => !keep.includes(path));
  for (const path of removed) {
    const trash = join(saveDir, `.tmp-pruned-${randomBytes(4).toString("hex")}`);
    await rename(path, trash);
    debugKillPoint("checkpoint-prune");
    await rm(trash, { recursive: true, force: true });
  }
  return removed;
}

function checkKind(path: string, actual: string, expected: string | undefined): void {
  if (expected !== undefined && actual !== expected) {
    throw new CheckpointError(
      `Checkpoint ${path} was written by a ${actual} model, not ${expected}; point to a ${expected} checkpoint.`,
      { details: { path, modelKind: actual } },
    );
  }
}

/**
 * Loads a checkpoint directory with every array verified. Throws `NotFoundError` when there is no
 * checkpoint, `CheckpointError` when it is incomplete, corrupt or of another model kind.
 */
export async function loadCheckpoint(
  path: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const manifest = await readManifest(path);
  checkKind(path, manifest.model_kind, options.modelKind);
  const arrays = await readArrays(path, manifest, manifest.arrays);
  return {
    path,
    modelKind: manifest.model_kind,
    step: manifest.step,
    walltimeS: manifest.walltime_s,
    state: { arrays, json: manifest.json },
    ...(manifest.validation === undefined ? {} : { validation: manifest.validation }),
  };
}

/**
 * Reads one named array of a checkpoint (e.g. an embedding table to warm-start from) without
 * loading the rest.
 */
export async function loadCheckpointArray(
  path: string,
  name: string,
  options: LoadCheckpointOptions = {},
): Promise<StateArray> {
  const manifest = await readManifest(path);
  checkKind(path, manifest.model_kind, options.modelKind);
  const entry = manifest.arrays.find((array) => array.name === name);
  if (!entry) {
    const known = manifest.arrays.map((array) => array.name);
    throw new NotFoundError(
      `Checkpoint ${path} has no array "${name}"; it has ${known.slice(0, 20).join(", ")}${known.length > 20 ? ", …" : ""}.`,
      { details: { path, array: name } },
    );
  }
  return (await readArrays(path, manifest, [entry]))[name]!;
}

/**
 * The checkpoint a path names: the path itself when it is a checkpoint directory, else the newest
 * checkpoint inside it (a save dir). `NotFoundError` when neither.
 */
export async function resolveCheckpoint(path: string): Promise<string> {
  if (await exists(join(path, CHECKPOINT_FILES.manifest))) return path;
  const latest = await latestCheckpoint(path);
  if (!latest) {
    throw new NotFoundError(
      `No checkpoint at ${path}: expected <save_dir>/<step> with ${CHECKPOINT_FILES.manifest}, or a save dir holding such directories.`,
      { details: { path } },
    );
  }
  return latest.path;
}
