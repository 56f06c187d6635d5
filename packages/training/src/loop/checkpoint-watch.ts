import { access, mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CheckpointRef, latestCheckpoint } from "./checkpoint-store.js";

/** Options of `followCheckpoints`. */
export interface FollowCheckpointsOptions {
  /** Poll interval, seconds. Default 30. */
  pollSeconds?: number;
  /** Stop when no new checkpoint appears for this long, seconds. Default 1800. */
  timeoutSeconds?: number;
  /** Stop after yielding a checkpoint at or past this step (training finished). */
  stopAtStep?: number;
  /** Stops waiting when aborted. */
  signal?: AbortSignal;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Yields each new latest checkpoint of `saveDir` as it appears (polling), as the original's
 * `checkpoints_iterator`: intermediate checkpoints written between polls are skipped.
 */
export async function* followCheckpoints(
  saveDir: string,
  options: FollowCheckpointsOptions = {},
): AsyncGenerator<CheckpointRef> {
  const pollMs = (options.pollSeconds ?? 30) * 1000;
  const timeoutMs = (options.timeoutSeconds ?? 1800) * 1000;
  let lastStep = -1;
  let lastSeen = Date.now();
  while (!options.signal?.aborted) {
    const latest = await latestCheckpoint(saveDir);
    if (latest && latest.step > lastStep) {
      lastStep = latest.step;
      yield latest;
      lastSeen = Date.now();
      if (options.stopAtStep !== undefined && latest.step >= options.stopAtStep) return;
      continue;
    }
    if (Date.now() - lastSeen >= timeoutMs) return;
    await sleep(Math.min(pollMs, Math.max(1, timeoutMs - (Date.now() - lastSeen))), options.signal);
  }
}

function markerPath(checkpointPath: string, partition: string): string {
  return join(checkpointPath, "evaled_by", `${partition}_DONE`);
}

/** Records that `partition` evaluated this checkpoint (`<ckpt>/evaled_by/<partition>_DONE`). */
export async function markEvaluated(checkpointPath: string, partition: string): Promise<void> {
  const path = markerPath(checkpointPath, partition);
  await mkdir(join(checkpointPath, "evaled_by"), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, `${new Date().toISOString()}\n`);
  await rename(temp, path);
}

/** True when `partition` has evaluated this checkpoint. */
export async function isEvaluated(checkpointPath: string, partition: string): Promise<boolean> {
  return access(markerPath(checkpointPath, partition)).then(
    () => true,
    () => false,
  );
}

/**
 * Waits until every partition has evaluated the checkpoint (its done markers exist), polling,
 * as the original's `wait_for_evaluators`. Resolves true when all are done, false on timeout or
 * abort.
 */
export async function waitForEvaluators(
  checkpointPath: string,
  partitions: readonly string[],
  options: Omit<FollowCheckpointsOptions, "stopAtStep"> = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutSeconds ?? 1800) * 1000;
  const pollMs = (options.pollSeconds ?? 10) * 1000;
  for (;;) {
    const done = await Promise.all(partitions.map((p) => isEvaluated(checkpointPath, p)));
    if (done.every(Boolean)) return true;
    const left = deadline - Date.now();
    if (left <= 0 || options.signal?.aborted) return false;
    await sleep(Math.min(pollMs, left), options.signal);
  }
}
