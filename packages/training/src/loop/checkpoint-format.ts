import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  allocateStateArray,
  CheckpointError,
  debugKillPoint,
  dtypeOfTypedArray,
  isStateDtype,
  NotFoundError,
  type StateArray,
  type StateDtype,
  sizeOfShape,
  type TaskState,
} from "@tml/core";

/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = {
  manifest: "manifest.json",
  arrays: "arrays.bin",
  /** Written last; holds the SHA-256 of the manifest. Its presence marks a complete checkpoint. */
  complete: "COMPLETE",
} as const;

/** Version of the on-disk layout; bumped on incompatible changes. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Where one array lives in `arrays.bin`. */
export interface ManifestArray {
  name: string;
  dtype: StateDtype;
  shape: number[];
  /** Byte offset in `arrays.bin` (8-byte aligned). */
  offset: number;
  byte_length: number;
  /** SHA-256 of the array's bytes (hex). */
  sha256: string;
}

/** Contents of `manifest.json`. */
export interface CheckpointManifest {
  format: "tml-checkpoint";
  format_version: number;
  model_kind: string;
  step: number;
  walltime_s: number;
  created_at: string;
  arrays_bytes: number;
  arrays: ManifestArray[];
  json: unknown;
  /** The loop's validation monitors (early stopping, plateau), when the run has any. */
  validation?: unknown;
}

/** What is saved: the task state with its step, walltime and model kind. */
export interface CheckpointContent {
  modelKind: string;
  step: number;
  walltimeS: number;
  state: TaskState;
  /** The loop's validation-monitor state (JSON), saved beside the task's. */
  validation?: unknown;
}

const CHUNK = 1 << 28; // 256 MiB per write/read call keeps us under Node's 2 GiB I/O limit

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += CHUNK) {
    await handle.write(bytes, at, Math.min(CHUNK, bytes.length - at), position + at);
  }
}

async function readAll(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(CHUNK, target.length - done);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Writes a checkpoint to `path` atomically: into a sibling temp directory, then renamed into
 * place (replacing an older copy). Returns the bytes written.
 */
export async function writeCheckpointDir(
  path: string,
  content: CheckpointContent,
): Promise<number> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const temp = join(
    parent,
    `.tmp-${basename(path)}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  await mkdir(temp);
  try {
    const arrays: ManifestArray[] = [];
    const handle = await open(join(temp, CHECKPOINT_FILES.arrays), "w");
    let offset = 0;
    try {
      for (const [name, array] of Object.entries(content.state.arrays)) {
        const dtype = dtypeOfTypedArray(array.data);
        if (dtype !== array.dtype || array.data.length !== sizeOfShape(array.shape)) {
          throw new CheckpointError(
            `Cannot save array "${name}": ${array.data.constructor.name} of ${array.data.length} elements does not match ${array.dtype}[${array.shape}].`,
          );
        }
        const bytes = bytesOf(array.data);
        offset = Math.ceil(offset / 8) * 8;
        await writeAll(handle, bytes, offset);
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        arrays.push({
          name,
          dtype,
          shape: [...array.shape],
          offset,
          byte_length: bytes.length,
          sha256,
        });
        offset += bytes.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    debugKillPoint("checkpoint-write");
    const manifest: CheckpointManifest = {
      format: "tml-checkpoint",
      format_version: CHECKPOINT_FORMAT_VERSION,
      model_kind: content.modelKind,
      step: content.step,
      walltime_s: content.walltimeS,
      created_at: new Date().toISOString(),
      arrays_bytes: offset,
      arrays,
      json: content.state.json ?? null,
      ...(content.validation === undefined ? {} : { validation: content.validation }),
    };
    const manifestText = `${JSON.stringify(manifest, null, 1)}\n`;
    await writeFile(join(temp, CHECKPOINT_FILES.manifest), manifestText);
    const digest = createHash("sha256").update(manifestText).digest("hex");
    await writeFile(join(temp, CHECKPOINT_FILES.complete), `${digest}\n`);
    const old = `${temp}-old`;
    const replaced = await rename(path, old).then(
      () => true,
      () => false,
    );
    await rename(temp, path);
    if (replaced) await rm(old, { recursive: true, force: true });
    return offset;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Reads and validates `manifest.json` of a complete checkpoint directory. */
export async function readManifest(path: string): Promise<CheckpointManifest> {
  const complete = await readFile(join(path, CHECKPOINT_FILES.complete), "utf8").catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      return undefined;
    },
  );
  if (complete === undefined) {
    const exists = await readFile(join(path, CHECKPOINT_FILES.manifest)).then(
      () => true,
      () => false,
    );
    if (!exists)
      throw new NotFoundError(`No checkpoint at ${path} (no ${CHECKPOINT_FILES.manifest}).`);
    throw new CheckpointError(
      `Checkpoint ${path} is incomplete (no ${CHECKPOINT_FILES.complete} marker): it was being written when the run stopped. Delete it; training resumes from the previous one.`,
      { details: { path } },
    );
  }
  const text = await readFile(join(path, CHECKPOINT_FILES.manifest), "utf8").catch(() => "");
  const digest = createHash("sha256").update(text).digest("hex");
  if (digest !== complete.trim()) {
    throw new CheckpointError(
      `Checkpoint ${path} is corrupt: manifest.json does not match its checksum.`,
      {
        details: { path },
      },
    );
  }
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(text) as CheckpointManifest;
  } catch (cause) {
    throw new CheckpointError(`Checkpoint ${path} is corrupt: manifest.json is not JSON.`, {
      cause,
    });
  }
  if (
    manifest.format !== "tml-checkpoint" ||
    manifest.format_version !== CHECKPOINT_FORMAT_VERSION
  ) {
    throw new CheckpointError(
      `Checkpoint ${path} has format ${manifest.format} v${manifest.format_version}; this version reads tml-checkpoint v${CHECKPOINT_FORMAT_VERSION}.`,
      { details: { path } },
    );
  }
  for (const entry of manifest.arrays) {
    if (!isStateDtype(entry.dtype)) {
      throw new CheckpointError(
        `Checkpoint ${path}: array "${entry.name}" has unknown dtype ${entry.dtype}.`,
      );
    }
  }
  return manifest;
}

/** Reads the listed arrays from `arrays.bin`, verifying each one's checksum. */
export async function readArrays(
  path: string,
  manifest: CheckpointManifest,
  entries: readonly ManifestArray[],
): Promise<Record<string, StateArray>> {
  const file = join(path, CHECKPOINT_FILES.arrays);
  const handle = await open(file, "r").catch((cause: unknown) => {
    throw new CheckpointError(`Checkpoint ${path} has no readable ${CHECKPOINT_FILES.arrays}.`, {
      cause,
    });
  });
  try {
    const { size } = await handle.stat();
    if (size !== manifest.arrays_bytes) {
      throw new CheckpointError(
        `Checkpoint ${path} is corrupt: ${CHECKPOINT_FILES.arrays} has ${size} bytes, the manifest says ${manifest.arrays_bytes}.`,
        { details: { path } },
      );
    }
    const arrays: Record<string, StateArray> = {};
    for (const entry of entries) {
      const data = allocateStateArray(entry.dtype, sizeOfShape(entry.shape));
      const bytes = bytesOf(data);
      const read =
        bytes.length === entry.byte_length ? await readAll(handle, bytes, entry.offset) : -1;
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (read !== entry.byte_length || sha256 !== entry.sha256) {
        throw new CheckpointError(
          `Checkpoint ${path} is corrupt: array "${entry.name}" fails its checksum. Resume from an earlier checkpoint.`,
          { details: { path, array: entry.name } },
        );
      }
      arrays[entry.name] = { dtype: entry.dtype, shape: entry.shape, data };
    }
    return arrays;
  } finally {
    await handle.close();
  }
}
