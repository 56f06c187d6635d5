import type { CheckList } from "./checks.js";
import { TFJS_NODE_GPU, type TfjsLoadResult, type TfjsNodeGpuInfo } from "./tfjs-node-gpu.js";

/** tfjs-node-gpu must be installed where the caller (or this package) can resolve it. */
export function checkTfjsInstalled(list: CheckList, tfjs: TfjsNodeGpuInfo): void {
  const { build } = tfjs;
  const title = TFJS_NODE_GPU;
  const required = `installed (${build.tfjsMajor}.x is built for CUDA ${build.cuda}, cuDNN ${build.cudnn})`;
  if (!tfjs.installed) {
    list.fail(
      "tfjs-node-gpu",
      title,
      required,
      "not installed (resolved from the working directory and from @tml/cuda-check)",
      `npm i ${TFJS_NODE_GPU} (its install script downloads libtensorflow, so it needs the internet)`,
    );
    return;
  }
  const where = tfjs.resolvedFrom === "cwd" ? "the working directory" : "@tml/cuda-check";
  list.ok(
    "tfjs-node-gpu",
    title,
    required,
    `${tfjs.version ?? "unknown version"} in ${tfjs.directory} (from ${where})`,
  );
  if (!tfjs.buildKnown) {
    list.warn(
      `${TFJS_NODE_GPU} ${tfjs.version ?? "(no version)"} is newer than cuda-check's table; checked against the ${build.tfjsMajor}.x requirements (CUDA ${build.cuda}, cuDNN ${build.cudnn}); the load test below is authoritative`,
    );
  }
}

function loadRemedy(load: TfjsLoadResult): string {
  const text = `${load.error ?? ""}\n${load.logTail.join("\n")}`;
  if (/tfjs_binding\.node/.test(text)) {
    return `its native binding is missing (the install script failed or was skipped): npm rebuild ${TFJS_NODE_GPU}`;
  }
  if (/libtensorflow[^:]*: cannot open shared object file/.test(text)) {
    return `libtensorflow is missing from the package (its install script downloads it): npm rebuild ${TFJS_NODE_GPU}`;
  }
  if (/GLIBC_[\d.]+' not found/.test(text)) {
    return "libtensorflow needs a newer glibc than this system has: use a newer Linux distribution (or container image)";
  }
  if (/Loaded runtime CuDNN library/.test(text)) {
    return "the cuDNN the loader finds is older than the one libtensorflow was built with: install the cuDNN listed above";
  }
  return `run \`node -e "require('${TFJS_NODE_GPU}')"\` to see the whole error`;
}

/** tfjs-node-gpu must load in a child process and TensorFlow must create at least one GPU device. */
export function checkTfjsLoad(list: CheckList, tfjs: TfjsNodeGpuInfo, loadChecked: boolean): void {
  const title = "tfjs-node-gpu on the GPU";
  const required = "loads in a child process and TensorFlow creates a GPU device";
  const load = tfjs.load;
  if (!tfjs.installed || load === undefined) {
    const reason = !tfjs.installed
      ? "not installed"
      : loadChecked
        ? "needs Linux"
        : "load check disabled";
    list.skip("tfjs-load", title, required, `not checked (${reason})`);
    return;
  }
  const seconds = `${(load.durationMs / 1000).toFixed(1)} s`;
  if (load.outcome === "timed-out") {
    list.fail(
      "tfjs-load",
      title,
      required,
      `no answer within ${seconds}`,
      "a first start on a GPU newer than libtensorflow's kernels JIT-compiles them and can take minutes: retry with a longer load timeout; if it still hangs, check the driver (`nvidia-smi`, `sudo dmesg`)",
    );
  } else if (load.outcome === "crashed") {
    list.fail(
      "tfjs-load",
      title,
      required,
      `crashed with ${load.signal} after ${seconds}${load.error ? `: ${load.error}` : ""}`,
      `libtensorflow crashed while loading, usually from a driver/CUDA/cuDNN mismatch (fix the problems above) or a broken install (npm rebuild ${TFJS_NODE_GPU})`,
    );
  } else if (load.outcome === "error") {
    list.fail(
      "tfjs-load",
      title,
      required,
      `failed (exit ${load.status}): ${load.error ?? "no error message"}`,
      loadRemedy(load),
    );
  } else if (load.backend !== "tensorflow") {
    list.fail(
      "tfjs-load",
      title,
      required,
      `loaded in ${seconds}, but tfjs runs on its "${load.backend}" backend, not TensorFlow's`,
      `another copy of @tensorflow/tfjs-core may be shadowing the one tfjs-node-gpu registered with: \`npm ls @tensorflow/tfjs-core\` must show one version`,
    );
  } else if (load.gpuDevices.length === 0 || load.usingGpu === false) {
    const missing = load.missingLibraries;
    const why = missing.length > 0 ? `; TensorFlow could not open ${missing.join(", ")}` : "";
    list.fail(
      "tfjs-load",
      title,
      required,
      `loaded in ${seconds} on the CPU only: ${load.gpuDevices.length === 0 ? "TensorFlow created no GPU device" : "tfjs-node's backend reports no GPU device in use"}${why}`,
      missing.length > 0
        ? `make ${missing.join(", ")} visible to the loader (see the library checks above)`
        : "read TensorFlow's log (`cuda-check --json` prints its tail): it says why it skipped the GPU",
    );
  } else {
    list.ok("tfjs-load", title, required, `loaded in ${seconds}: ${load.gpuDevices.join(", ")}`);
  }
}
