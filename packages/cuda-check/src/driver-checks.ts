import type { CheckList, GpuFacts } from "./checks.js";
import { hidesEveryGpu, KERNEL_MODULE_VERSION_FILE, type NvidiaInfo } from "./nvidia-driver.js";
import type { GpuInfo, NvidiaSmiFailureKind } from "./nvidia-smi.js";
import { describeOs } from "./os-probe.js";
import { minimumDriverFor, type TfjsGpuBuild } from "./requirements.js";
import { compareVersions } from "./versions.js";

/** Linux x64 is the only platform with a tfjs-node-gpu GPU build. */
export function checkOs(list: CheckList, facts: GpuFacts): void {
  const required = "Linux x64";
  const found = describeOs(facts.os);
  if (facts.os.supported) list.ok("os", "Operating system", required, found);
  else {
    list.fail(
      "os",
      "Operating system",
      required,
      found,
      "tfjs-node-gpu is Linux x64 only: run on a Linux x64 machine with an NVIDIA GPU (WSL2 on Windows works), or use the CPU backend",
    );
  }
}

function installDriverRemedy(build: TfjsGpuBuild): string {
  const minimum = minimumDriverFor(build.cuda) ?? "the version your CUDA needs";
  return `install the NVIDIA driver ≥ ${minimum} and reboot; \`nvidia-smi\` must then list the GPU`;
}

const SMI_REMEDIES: Record<Exclude<NvidiaSmiFailureKind, "not-found" | "no-driver">, string> = {
  "version-mismatch":
    "the driver was upgraded but the old kernel module is still loaded: reboot (or unload and reload the nvidia kernel modules)",
  "no-devices":
    "the driver sees no GPU: check `lspci | grep -i nvidia`; in a container, start it with the GPUs (`docker run --gpus all`, NVIDIA Container Toolkit)",
  "gpu-lost":
    "a GPU is in an error state: look for Xid errors in `sudo dmesg`, then reset it (`nvidia-smi -r`) or reboot",
  permission:
    "this user cannot open the NVIDIA device files: make /dev/nvidia* readable (add the user to the video group)",
  timeout: "nvidia-smi hangs, so the driver is probably wedged: check `sudo dmesg` and reboot",
  "invalid-field": "nvidia-smi rejected the GPU query: run `nvidia-smi` and upgrade the driver",
  other: "run `nvidia-smi` and fix what it reports",
};

/** The kernel module must be loaded and nvidia-smi must list the GPUs. */
export function checkDriver(list: CheckList, facts: GpuFacts, build: TfjsGpuBuild): void {
  const { kernelModule, nvidiaSmi } = facts.nvidia;
  const title = "NVIDIA driver";
  const required = "kernel module loaded and nvidia-smi lists the GPUs";
  const module = kernelModule.loaded
    ? `kernel module ${kernelModule.version ?? "(unknown version)"}${kernelModule.openKernelModule ? " (open)" : ""}`
    : `kernel module not loaded (${KERNEL_MODULE_VERSION_FILE} missing)`;
  if (nvidiaSmi.ok) {
    // Under WSL2 (and in some containers) the kernel module is on the host: nvidia-smi is the proof.
    const where = facts.os.wsl && !kernelModule.loaded ? "driver on the Windows host" : module;
    list.ok("driver", title, required, `${where}; nvidia-smi ok (${nvidiaSmi.command})`);
    return;
  }
  const failure = nvidiaSmi.failure ?? {
    kind: "not-found" as const,
    message: "nvidia-smi not found",
  };
  const smi =
    failure.kind === "not-found" ? "nvidia-smi not found" : `nvidia-smi: ${failure.message}`;
  const found = `${module}; ${smi}`;
  if (
    facts.os.wsl &&
    !kernelModule.loaded &&
    (failure.kind === "not-found" || failure.kind === "no-driver")
  ) {
    list.fail(
      "driver",
      title,
      required,
      found,
      "under WSL2 the GPU driver is the Windows one: install a current NVIDIA driver on Windows (never a Linux NVIDIA driver inside WSL), then `wsl --shutdown` and retry",
    );
  } else if (failure.kind === "not-found" && !kernelModule.loaded) {
    list.fail("driver", title, required, found, installDriverRemedy(build));
  } else if (failure.kind === "not-found") {
    list.fail(
      "driver",
      title,
      required,
      found,
      "install the driver's utilities (the nvidia-utils package matching the kernel module) or add nvidia-smi's directory to PATH",
    );
  } else if (failure.kind === "no-driver") {
    list.fail(
      "driver",
      title,
      required,
      found,
      `the driver is installed but its kernel module is not loaded: reboot or \`sudo modprobe nvidia\`, and read \`sudo dmesg | grep -i nvidia\` (Secure Boot blocks unsigned modules); if it was never installed, ${installDriverRemedy(build)}`,
    );
  } else {
    list.fail("driver", title, required, found, SMI_REMEDIES[failure.kind]);
  }
}

/** The driver must be new enough for the CUDA version tfjs-node-gpu was built with. */
export function checkDriverVersion(list: CheckList, facts: GpuFacts, build: TfjsGpuBuild): void {
  const minimum = minimumDriverFor(build.cuda);
  const title = "Driver version";
  const required = `≥ ${minimum ?? "?"} (for CUDA ${build.cuda})`;
  const { driverVersion, cudaDriverVersion } = facts.nvidia;
  if (driverVersion === undefined || minimum === undefined) {
    list.skip("driver-version", title, required, "unknown: no driver answered");
    return;
  }
  const supports = cudaDriverVersion === undefined ? "" : ` (supports CUDA ≤ ${cudaDriverVersion})`;
  const found = `${driverVersion}${supports}`;
  if (compareVersions(driverVersion, minimum) >= 0) {
    list.ok("driver-version", title, required, found);
  } else {
    list.fail(
      "driver-version",
      title,
      required,
      found,
      `upgrade the NVIDIA driver to ≥ ${minimum} (CUDA ${build.cuda}, which tfjs-node-gpu ${build.tfjsMajor}.x uses, needs it) and reboot`,
    );
  }
}

/** "2 × NVIDIA A100-SXM4-80GB (cc 8.0, 80 GiB)" — identical GPUs grouped, in first-seen order. */
export function describeGpus(gpus: readonly GpuInfo[]): string {
  const groups = new Map<string, number>();
  for (const gpu of gpus) {
    const memory = gpu.memoryMiB === undefined ? "" : `, ${formatGiB(gpu.memoryMiB)}`;
    const key = `${gpu.name} (cc ${gpu.computeCapability ?? "?"}${memory})`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([key, count]) => (count > 1 ? `${count} × ${key}` : key)).join(", ");
}

function formatGiB(mebibytes: number): string {
  const gibibytes = mebibytes / 1024;
  return `${Number.isInteger(gibibytes) ? gibibytes : gibibytes.toFixed(1)} GiB`;
}

/** At least one GPU must have a compute capability TensorFlow's kernels support. */
export function checkGpus(list: CheckList, nvidia: NvidiaInfo, build: TfjsGpuBuild): void {
  const title = "GPUs";
  const required = `≥ 1 NVIDIA GPU with compute capability ≥ ${build.minComputeCapability}`;
  if (!nvidia.nvidiaSmi.ok || nvidia.gpus.length === 0) {
    list.skip("gpus", title, required, "none listed (nvidia-smi did not answer)");
    return;
  }
  for (const line of nvidia.nvidiaSmi.malformedLines) {
    list.warn(`nvidia-smi printed a line that is not a GPU: ${JSON.stringify(line.slice(0, 120))}`);
  }
  const visible = nvidia.cudaVisibleDevices;
  const found = `${describeGpus(nvidia.gpus)}${visible === undefined ? "" : `; CUDA_VISIBLE_DEVICES=${JSON.stringify(visible)}`}`;
  if (visible !== undefined && hidesEveryGpu(visible)) {
    list.fail(
      "gpus",
      title,
      required,
      found,
      "CUDA_VISIBLE_DEVICES hides every GPU from CUDA: unset it, or set it to the GPU indices to use (e.g. 0,1)",
    );
    return;
  }
  const known = nvidia.gpus.filter((gpu) => gpu.computeCapability !== undefined);
  if (known.length < nvidia.gpus.length) {
    list.warn(
      "the driver is too old to report compute capabilities (compute_cap needs driver ≥ 510); GPUs older than 3.5 would fail at run time",
    );
  }
  const tooOld = known.filter(
    (gpu) => compareVersions(gpu.computeCapability!, build.minComputeCapability) < 0,
  );
  const newest = build.newestNativeComputeCapability;
  for (const gpu of known) {
    if (compareVersions(gpu.computeCapability!, newest) > 0) {
      list.warn(
        `GPU ${gpu.index} (${gpu.name}, cc ${gpu.computeCapability}) is newer than the kernels libtensorflow ${build.libtensorflow} ships (≤ ${newest}): the driver JIT-compiles them at first start, which can take minutes (cached in ~/.nv/ComputeCache)`,
      );
    }
  }
  if (tooOld.length > 0 && tooOld.length === nvidia.gpus.length) {
    list.fail(
      "gpus",
      title,
      required,
      found,
      `every GPU here is older than compute capability ${build.minComputeCapability}, which TensorFlow needs: use a newer GPU or the CPU backend`,
    );
    return;
  }
  for (const gpu of tooOld) {
    list.warn(
      `GPU ${gpu.index} (${gpu.name}, cc ${gpu.computeCapability}) is too old for TensorFlow: hide it with CUDA_VISIBLE_DEVICES`,
    );
  }
  list.ok("gpus", title, required, found);
}
