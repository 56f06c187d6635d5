import type { Probes } from "./probes.js";

/** The operating system and CPU architecture, and whether tfjs-node-gpu supports them. */
export interface OsInfo {
  /** `process.platform` value: "linux", "darwin", "win32"… */
  platform: string;
  /** `process.arch` value: "x64", "arm64"… */
  arch: string;
  /** Linux kernel release ("6.8.0-45-generic"); absent off Linux or when unreadable. */
  kernel?: string;
  /** True under Windows Subsystem for Linux, where the driver lives on the Windows side. */
  wsl: boolean;
  /** True only for Linux x64, the one platform with a tfjs-node-gpu build here. */
  supported: boolean;
}

/** Reads the platform, architecture and (on Linux) the kernel release. */
export function detectOs(probes: Pick<Probes, "platform" | "arch" | "readFile">): OsInfo {
  const kernel =
    probes.platform === "linux" ? probes.readFile("/proc/sys/kernel/osrelease")?.trim() : undefined;
  return {
    platform: probes.platform,
    arch: probes.arch,
    ...(kernel ? { kernel } : {}),
    // WSL2 kernels are named "5.15.153.1-microsoft-standard-WSL2"; WSL1 "4.4.0-19041-Microsoft".
    wsl: kernel !== undefined && /microsoft/i.test(kernel),
    supported: probes.platform === "linux" && probes.arch === "x64",
  };
}

/** "linux x64 (kernel 6.8.0)" — one line for the report. */
export function describeOs(os: OsInfo): string {
  const kernel = os.kernel === undefined ? "" : ` (kernel ${os.kernel}${os.wsl ? ", WSL" : ""})`;
  return `${os.platform} ${os.arch}${kernel}`;
}
