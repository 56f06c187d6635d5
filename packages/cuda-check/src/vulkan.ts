import { join } from "node:path/posix";
import { CHILD_RESULT_MARKER, type ChildLoadResult, type Probes } from "./probes.js";
import { adapterFacts, type WebGpuAdapterFacts } from "./webgpu-adapters.js";

/** One Vulkan driver manifest (ICD JSON) the Vulkan loader would read. */
export interface VulkanIcd {
  /** The manifest file. */
  file: string;
  /** The driver library it names (`libvulkan_lvp.so`, `libGLX_nvidia.so.0`), when readable. */
  libraryPath?: string;
  /** True for Mesa's lavapipe or SwiftShader (a software driver). */
  software: boolean;
}

/** How listing WebGPU adapters in a child process ended. */
export interface WebGpuAdapterListing {
  outcome: "listed" | "error" | "crashed" | "timed-out";
  adapters: WebGpuAdapterFacts[];
  /** The most telling error line when not listed. */
  error?: string;
  durationMs?: number;
}

/** The Vulkan/WebGPU side of the machine: loader, driver manifests, `webgpu` package, adapters. */
export interface WebGpuInfo {
  /** Where `libvulkan.so.1` (the Vulkan loader) is, when the dynamic loader sees it. */
  loader?: string;
  /** Directories searched for driver manifests, in the Vulkan loader's order. */
  icdDirectories: string[];
  icds: VulkanIcd[];
  /** The `webgpu` package (Dawn's Node bindings) that was used, when found. */
  modulePath?: string;
  /** Adapters Dawn offered; absent when they were not listed (no package, or listing disabled). */
  listing?: WebGpuAdapterListing;
}

const SOFTWARE_DRIVERS = /lvp|swiftshader|llvmpipe/i;

// The Vulkan loader's manifest search on Linux: VK_DRIVER_FILES / VK_ICD_FILENAMES replace it.
function icdDirectories(env: Readonly<Record<string, string | undefined>>): string[] {
  const home = env["HOME"];
  const configHome = env["XDG_CONFIG_HOME"] ?? (home ? join(home, ".config") : undefined);
  const dataHome = env["XDG_DATA_HOME"] ?? (home ? join(home, ".local/share") : undefined);
  const configDirs = (env["XDG_CONFIG_DIRS"] ?? "/etc/xdg").split(":");
  const dataDirs = (env["XDG_DATA_DIRS"] ?? "/usr/local/share:/usr/share").split(":");
  return [
    ...(configHome ? [configHome] : []),
    ...configDirs,
    "/etc",
    ...(dataHome ? [dataHome] : []),
    ...dataDirs,
  ]
    .filter((directory) => directory !== "")
    .map((directory) => join(directory, "vulkan/icd.d"));
}

function readIcd(probes: Pick<Probes, "readFile">, file: string): VulkanIcd {
  let libraryPath: string | undefined;
  try {
    const manifest = JSON.parse(probes.readFile(file) ?? "") as {
      ICD?: { library_path?: unknown };
    };
    const path = manifest.ICD?.library_path;
    if (typeof path === "string") libraryPath = path;
  } catch {
    // An unreadable manifest is listed without its library; the loader skips it too.
  }
  return {
    file,
    ...(libraryPath === undefined ? {} : { libraryPath }),
    software: SOFTWARE_DRIVERS.test(`${file} ${libraryPath ?? ""}`),
  };
}

/** Reads the child's adapter list (see `Probes.listWebGpuAdaptersInChild`). */
export function parseAdapterListing(child: ChildLoadResult): WebGpuAdapterListing {
  const line = child.stdout.split(/\r?\n/).find((text) => text.startsWith(CHILD_RESULT_MARKER));
  let adapters: WebGpuAdapterFacts[] | undefined;
  try {
    const parsed = JSON.parse(line?.slice(CHILD_RESULT_MARKER.length) ?? "") as {
      adapters?: unknown;
    };
    if (Array.isArray(parsed.adapters)) {
      adapters = parsed.adapters.map((entry) => adapterFacts(entry as Record<string, unknown>));
    }
  } catch {
    // No marker: the outcome below says why.
  }
  const error = child.stderr
    .split(/\r?\n/)
    .map((text) => text.trim())
    .find((text) => /^\w*Error: /.test(text));
  const outcome = child.timedOut
    ? "timed-out"
    : child.signal !== null
      ? "crashed"
      : adapters === undefined || child.status !== 0
        ? "error"
        : "listed";
  return {
    outcome,
    adapters: adapters ?? [],
    ...(error === undefined ? {} : { error }),
    durationMs: child.durationMs,
  };
}

/** Options of detectWebGpu. */
export interface WebGpuProbeOptions {
  /** The loader's path when the library probe found it. */
  loader?: string;
  /** List adapters in a child process (default true). */
  listAdapters: boolean;
  timeoutMs: number;
  /** The `webgpu` package's entry file; else resolved from the working directory, then `packageDirectory`. */
  modulePath?: string;
  packageDirectory: string;
  /** Adapters the caller already listed (in its own process): no child is started. */
  adapters?: WebGpuAdapterFacts[];
}

/** Finds the Vulkan driver manifests and (in a child process) the adapters Dawn offers. Never throws. */
export function detectWebGpu(
  probes: Pick<
    Probes,
    | "platform"
    | "env"
    | "cwd"
    | "readDir"
    | "readFile"
    | "resolveModule"
    | "listWebGpuAdaptersInChild"
  >,
  options: WebGpuProbeOptions,
): WebGpuInfo {
  const override = probes.env["VK_DRIVER_FILES"] ?? probes.env["VK_ICD_FILENAMES"];
  const directories = override === undefined ? icdDirectories(probes.env) : [];
  const files =
    override === undefined
      ? directories.flatMap((directory) =>
          (probes.readDir(directory) ?? [])
            .filter((name) => name.endsWith(".json"))
            .sort()
            .map((name) => join(directory, name)),
        )
      : override.split(":").filter((file) => file !== "");
  const modulePath =
    options.modulePath ??
    probes.resolveModule("webgpu", probes.cwd) ??
    probes.resolveModule("webgpu", options.packageDirectory);
  let listing: WebGpuAdapterListing | undefined;
  if (options.adapters !== undefined) listing = { outcome: "listed", adapters: options.adapters };
  else if (options.listAdapters && modulePath !== undefined) {
    listing = parseAdapterListing(probes.listWebGpuAdaptersInChild(modulePath, options.timeoutMs));
  }
  return {
    ...(options.loader === undefined ? {} : { loader: options.loader }),
    icdDirectories: directories,
    icds: [...new Set(files)].map((file) => readIcd(probes, file)),
    ...(modulePath === undefined ? {} : { modulePath }),
    ...(listing === undefined ? {} : { listing }),
  };
}
