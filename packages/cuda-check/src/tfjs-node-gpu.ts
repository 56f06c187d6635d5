import { dirname, join } from "node:path";
import { CHILD_RESULT_MARKER, type ChildLoadResult, type Probes } from "./probes.js";
import { LATEST_TFJS_NODE_GPU_BUILD, type TfjsGpuBuild, tfjsGpuBuildFor } from "./requirements.js";

/** npm name of the GPU build of TensorFlow.js for Node. */
export const TFJS_NODE_GPU = "@tensorflow/tfjs-node-gpu";

/** How loading tfjs-node-gpu in a child process ended. */
export type TfjsLoadOutcome = "loaded" | "error" | "crashed" | "timed-out";

/** What loading tfjs-node-gpu in a child process showed. */
export interface TfjsLoadResult {
  outcome: TfjsLoadOutcome;
  /** Backend tfjs selected after the load ("tensorflow"), when the child got that far. */
  backend?: string;
  /** Exit status of the child; null when it was killed. */
  status: number | null;
  /** Signal that killed the child ("SIGSEGV"), or null. */
  signal: string | null;
  /** Wall time of the child in milliseconds. */
  durationMs: number;
  /** The most telling error line (Node's "Error: …", a dlopen or cuDNN message). */
  error?: string;
  /**
   * tfjs-node's own answer (`tf.backend().isUsingGpuDevice`): false when TensorFlow fell back to
   * the CPU without an error; absent when the child did not get that far.
   */
  usingGpu?: boolean;
  /** GPU devices TensorFlow created ("/job:localhost/replica:0/task:0/device:GPU:0 … name: …"). */
  gpuDevices: string[];
  /** Libraries TensorFlow tried and failed to open ("libcudnn.so.8"). */
  missingLibraries: string[];
  /** True when TensorFlow logged that it skipped GPU registration or failed cuInit. */
  gpuSkipped: boolean;
  /** Last lines of the child's stderr, for the report. */
  logTail: string[];
}

/** Whether tfjs-node-gpu is installed, what it was built for, and whether it loads. */
export interface TfjsNodeGpuInfo {
  installed: boolean;
  /** Installed version ("4.22.0"). */
  version?: string;
  /** Package directory that was loaded. */
  directory?: string;
  /** Where it was found: the caller's working directory or next to @tml/cuda-check. */
  resolvedFrom?: "cwd" | "cuda-check";
  /** The CUDA stack it needs (of the installed major, else of the newest known build). */
  build: TfjsGpuBuild;
  /** False when the installed major is newer than the table (the newest row is assumed). */
  buildKnown: boolean;
  /** Absent when not installed, off Linux, or when the load check was skipped. */
  load?: TfjsLoadResult;
}

/** Options of the tfjs-node-gpu probe. */
export interface TfjsProbeOptions {
  /** Load the package in a child process (default true): the only proof it works. */
  checkLoad: boolean;
  /** Time limit of the child in milliseconds. */
  loadTimeoutMs: number;
  /** Directory of @tml/cuda-check, the second place tfjs-node-gpu is resolved from. */
  packageDirectory: string;
}

// Node's own "Error: …" line first: before it Node echoes the source line that threw, which can
// contain the same words.
const NODE_ERROR_LINE = /^\w*Error: /;
const NATIVE_ERROR_LINE =
  /cannot open shared object file|GLIBC_[\d.]+' not found|Loaded runtime CuDNN library|failed call to cuInit|Check failed/;

/** Reads the child's stdout marker and TensorFlow's log from a child load. */
export function parseLoadOutput(child: ChildLoadResult): TfjsLoadResult {
  const stderrLines = child.stderr.split(/\r?\n/).filter((line) => line.trim() !== "");
  const markerLine = child.stdout
    .split(/\r?\n/)
    .find((line) => line.startsWith(CHILD_RESULT_MARKER));
  let backend: string | undefined;
  let usingGpu: boolean | undefined;
  if (markerLine !== undefined) {
    try {
      const parsed = JSON.parse(markerLine.slice(CHILD_RESULT_MARKER.length)) as {
        backend?: unknown;
        usingGpu?: unknown;
      };
      if (typeof parsed.backend === "string") backend = parsed.backend;
      if (typeof parsed.usingGpu === "boolean") usingGpu = parsed.usingGpu;
    } catch {
      // A truncated marker counts as no marker: the outcome below becomes "error".
    }
  }
  const gpuDevices = stderrLines.flatMap((line) => {
    const match = /Created (?:TensorFlow )?device \(?(\/job:\S*?device:GPU:\d+)(.*)$/.exec(line);
    if (match === null) return [];
    const name = /name: ([^,)]+)/.exec(match[2]!)?.[1];
    return [name === undefined ? match[1]! : `${match[1]} (${name.trim()})`];
  });
  const missingLibraries = [
    ...new Set(
      [...child.stderr.matchAll(/Could not load dynamic library '([^']+)'/g)].map(
        (match) => match[1]!,
      ),
    ),
  ];
  const gpuSkipped =
    /Cannot dlopen some GPU libraries|Skipping registering GPU devices|failed call to cuInit/.test(
      child.stderr,
    );
  const trimmed = stderrLines.map((line) => line.trim());
  const error =
    trimmed.find((line) => NODE_ERROR_LINE.test(line)) ??
    trimmed.find((line) => NATIVE_ERROR_LINE.test(line));

  let outcome: TfjsLoadOutcome;
  if (child.timedOut) outcome = "timed-out";
  else if (child.signal !== null) outcome = "crashed";
  else if (child.status !== 0 || backend === undefined) outcome = "error";
  else outcome = "loaded";

  return {
    outcome,
    ...(backend === undefined ? {} : { backend }),
    ...(usingGpu === undefined ? {} : { usingGpu }),
    status: child.status,
    signal: child.signal,
    durationMs: child.durationMs,
    ...(error === undefined ? {} : { error }),
    gpuDevices,
    missingLibraries,
    gpuSkipped,
    logTail: stderrLines.slice(-15),
  };
}

function readManifest(
  probes: Pick<Probes, "readFile">,
  packageJsonPath: string,
): { name?: unknown; version?: unknown } | undefined {
  const text = probes.readFile(packageJsonPath);
  if (text === undefined) return undefined;
  try {
    const manifest: unknown = JSON.parse(text);
    return typeof manifest === "object" && manifest !== null ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Path of tfjs-node-gpu's package.json as seen from `fromDirectory`: asked for directly, else found
 * by walking up from the package's main file (for a release whose exports map hides package.json).
 */
function resolvePackageJson(
  probes: Pick<Probes, "readFile" | "resolveModule">,
  fromDirectory: string,
): string | undefined {
  const direct = probes.resolveModule(`${TFJS_NODE_GPU}/package.json`, fromDirectory);
  if (direct !== undefined) return direct;
  const main = probes.resolveModule(TFJS_NODE_GPU, fromDirectory);
  for (let directory = main && dirname(main); directory; ) {
    const candidate = join(directory, "package.json");
    if (readManifest(probes, candidate)?.name === TFJS_NODE_GPU) return candidate;
    const parent = dirname(directory);
    directory = parent === directory ? undefined : parent;
  }
  return undefined;
}

/**
 * Resolves tfjs-node-gpu from the caller's working directory, then from this package, reads its
 * version, and (on Linux, unless disabled) requires it in a child process so that a crash in
 * libtensorflow cannot take the caller down. Never throws.
 */
export function detectTfjsNodeGpu(
  probes: Pick<Probes, "platform" | "cwd" | "readFile" | "resolveModule" | "loadInChild">,
  options: TfjsProbeOptions,
): TfjsNodeGpuInfo {
  const places = [
    ["cwd", probes.cwd],
    ["cuda-check", options.packageDirectory],
  ] as const;
  for (const [resolvedFrom, fromDirectory] of places) {
    const packageJsonPath = resolvePackageJson(probes, fromDirectory);
    if (packageJsonPath === undefined) continue;
    const directory = dirname(packageJsonPath);
    const manifestVersion = readManifest(probes, packageJsonPath)?.version;
    const version = typeof manifestVersion === "string" ? manifestVersion : undefined;
    const { build, known } =
      version === undefined
        ? { build: LATEST_TFJS_NODE_GPU_BUILD, known: false }
        : tfjsGpuBuildFor(version);
    const load =
      options.checkLoad && probes.platform === "linux"
        ? parseLoadOutput(probes.loadInChild(directory, options.loadTimeoutMs))
        : undefined;
    return {
      installed: true,
      ...(version === undefined ? {} : { version }),
      directory,
      resolvedFrom,
      build,
      buildKnown: known,
      ...(load === undefined ? {} : { load }),
    };
  }
  return { installed: false, build: LATEST_TFJS_NODE_GPU_BUILD, buildKnown: true };
}
