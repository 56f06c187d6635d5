import { join } from "node:path/posix";
import type { Probes } from "./probes.js";
import { compareVersions } from "./versions.js";

/**
 * Libraries the report looks for: the driver's libcuda, the CUDA runtime, cuDNN, the math libraries
 * and the Vulkan loader (WebGPU's path).
 */
export const WATCHED_LIBRARIES = [
  "libcuda",
  "libcudart",
  "libcudnn",
  "libcublas",
  "libcublasLt",
  "libcufft",
  "libcurand",
  "libcusolver",
  "libcusparse",
  "libvulkan",
] as const;

/** Where the dynamic loader would find a library. */
export type LibrarySource = "LD_LIBRARY_PATH" | "ldconfig";

/** One shared-library file visible to the dynamic loader. */
export interface FoundLibrary {
  /** Library stem ("libcudart"). */
  name: string;
  /** File name ("libcudart.so.11.0"). */
  file: string;
  /** Version from the file name ("11.0"); absent for the unversioned `.so` development link. */
  version?: string;
  /** Absolute path. */
  path: string;
  /** LD_LIBRARY_PATH directories are searched before the ldconfig cache. */
  source: LibrarySource;
}

/** A cuDNN version read from its header. */
export interface CudnnHeader {
  path: string;
  /** "8.1.0" */
  version: string;
}

/** CUDA and cuDNN libraries the dynamic loader can see. */
export interface LibraryInfo {
  /** Watched libraries, LD_LIBRARY_PATH entries first (the loader's order), each path once. */
  found: FoundLibrary[];
  /** False when `ldconfig -p` could not run (its cache was not searched). */
  ldconfigAvailable: boolean;
  /** Directories of LD_LIBRARY_PATH, in order. */
  ldLibraryPath: string[];
  /** cuDNN version from cudnn_version.h (cuDNN ≥ 8) or cudnn.h (cuDNN 7), when a header is found. */
  cudnnHeader?: CudnnHeader;
}

/** One line of `ldconfig -p`. */
export interface LdconfigEntry {
  file: string;
  /** "libc6,x86-64" */
  flags: string;
  path: string;
}

/**
 * Parses `ldconfig -p` ("\tlibcudart.so.11.0 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.11.0"),
 * keeping entries for `arch`: on x64 the "(libc6)" lines are 32-bit libraries the loader of a 64-bit
 * process skips.
 */
export function parseLdconfig(text: string, arch: string): LdconfigEntry[] {
  const entries: LdconfigEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, file, flags, path] = match as unknown as [string, string, string, string];
    if (arch === "x64" && !flags.includes("x86-64")) continue;
    if (arch === "arm64" && !/aarch64/i.test(flags)) continue;
    entries.push({ file, flags, path });
  }
  return entries;
}

/** Splits "libcudnn.so.8.1.0" into `{ name: "libcudnn", version: "8.1.0" }`; undefined if not a .so. */
export function parseLibraryFileName(file: string): { name: string; version?: string } | undefined {
  const match = /^(lib[\w+-]+?)\.so(?:\.(\d+(?:\.\d+)*))?$/.exec(file);
  if (match === null) return undefined;
  return match[2] === undefined ? { name: match[1]! } : { name: match[1]!, version: match[2] };
}

/** Reads CUDNN_MAJOR / CUDNN_MINOR / CUDNN_PATCHLEVEL from a cuDNN header; undefined if absent. */
export function parseCudnnHeader(text: string): string | undefined {
  const define = (name: string) => new RegExp(`#define\\s+${name}\\s+(\\d+)`).exec(text)?.[1];
  const major = define("CUDNN_MAJOR");
  const minor = define("CUDNN_MINOR");
  if (major === undefined || minor === undefined) return undefined;
  return `${major}.${minor}.${define("CUDNN_PATCHLEVEL") ?? "0"}`;
}

function watched(file: string): { name: string; version?: string } | undefined {
  const parsed = parseLibraryFileName(file);
  return parsed !== undefined && (WATCHED_LIBRARIES as readonly string[]).includes(parsed.name)
    ? parsed
    : undefined;
}

function runLdconfig(probes: Pick<Probes, "exec">): string | undefined {
  // /sbin is not on a normal user's PATH on some distributions.
  for (const command of ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    const result = probes.exec(command, ["-p"]);
    if (result.errorCode === "ENOENT") continue;
    return result.status === 0 ? result.stdout : undefined;
  }
  return undefined;
}

function cudnnHeaderDirectories(env: Probes["env"]): string[] {
  const fromEnv = [env["CUDNN_HOME"], env["CUDA_HOME"], env["CUDA_PATH"]]
    .filter((dir): dir is string => dir !== undefined && dir !== "")
    .map((dir) => join(dir, "include"));
  return [...fromEnv, "/usr/include", "/usr/local/cuda/include", "/usr/include/x86_64-linux-gnu"];
}

function findCudnnHeader(probes: Pick<Probes, "env" | "readFile">): CudnnHeader | undefined {
  for (const dir of cudnnHeaderDirectories(probes.env)) {
    for (const file of ["cudnn_version.h", "cudnn.h"]) {
      const path = join(dir, file);
      const text = probes.readFile(path);
      const version = text === undefined ? undefined : parseCudnnHeader(text);
      if (version !== undefined) return { path, version };
    }
  }
  return undefined;
}

/**
 * Finds the CUDA/cuDNN libraries the dynamic loader would see: files in LD_LIBRARY_PATH directories,
 * then the ldconfig cache, plus fuller version names sitting beside a cached library
 * (libcudnn.so.8.1.0 next to libcudnn.so.8). Linux only; empty elsewhere. Never throws.
 */
export function detectLibraries(
  probes: Pick<Probes, "platform" | "arch" | "env" | "exec" | "readDir" | "readFile">,
): LibraryInfo {
  const ldLibraryPath = (probes.env["LD_LIBRARY_PATH"] ?? "")
    .split(":")
    .filter((dir) => dir !== "");
  if (probes.platform !== "linux") {
    return { found: [], ldconfigAvailable: false, ldLibraryPath };
  }
  const found: FoundLibrary[] = [];
  const seen = new Set<string>();
  const add = (file: string, path: string, source: LibrarySource) => {
    const parsed = watched(file);
    if (parsed === undefined || seen.has(path)) return;
    seen.add(path);
    found.push({ ...parsed, file, path, source });
  };
  const addDirectory = (dir: string, source: LibrarySource) => {
    for (const file of (probes.readDir(dir) ?? []).sort()) add(file, join(dir, file), source);
  };

  for (const dir of ldLibraryPath) addDirectory(dir, "LD_LIBRARY_PATH");
  const ldconfigText = runLdconfig(probes);
  const cacheDirectories = new Set<string>();
  for (const entry of parseLdconfig(ldconfigText ?? "", probes.arch)) {
    if (watched(entry.file) === undefined) continue;
    add(entry.file, entry.path, "ldconfig");
    cacheDirectories.add(entry.path.slice(0, entry.path.lastIndexOf("/")) || "/");
  }
  for (const dir of cacheDirectories) addDirectory(dir, "ldconfig");

  const cudnnHeader = findCudnnHeader(probes);
  return {
    found,
    ldconfigAvailable: ldconfigText !== undefined,
    ldLibraryPath,
    ...(cudnnHeader === undefined ? {} : { cudnnHeader }),
  };
}

/** The visible files of one library, the loader's first choice first. */
export function filesOf(libraries: LibraryInfo, name: string): FoundLibrary[] {
  return libraries.found.filter((library) => library.name === name);
}

/** The first visible file named exactly `soname` (what dlopen("libcudnn.so.8") would open). */
export function findSoname(libraries: LibraryInfo, soname: string): FoundLibrary | undefined {
  return libraries.found.find((library) => library.file === soname);
}

/**
 * The most precise version of `name` whose major is `major` ("8.1.0" from libcudnn.so.8.1.0 when
 * libcudnn.so.8 is also there); the longest, then highest, version string wins.
 */
export function mostPreciseVersion(
  libraries: LibraryInfo,
  name: string,
  major: number,
): string | undefined {
  const versions = filesOf(libraries, name)
    .map((library) => library.version)
    .filter((version): version is string => version?.split(".")[0] === String(major));
  versions.sort((a, b) => b.split(".").length - a.split(".").length || compareVersions(b, a));
  return versions[0];
}
