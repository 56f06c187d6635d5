import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  childLoad,
  type FakeMachine,
  fakeProbes,
  fixture,
  LDCONFIG,
  LEGACY_QUERY,
  PLAIN,
  QUERY,
  ran,
  readyMachine,
} from "./__fixtures__/fake-machine.js";
import { detectGpu } from "./detect-gpu.js";
import type { GpuReport } from "./report.js";

function detect(machine: FakeMachine, checkLoad = true): GpuReport {
  return detectGpu({ ...fakeProbes(machine), checkLoad, loadTimeoutMs: 5000 });
}

function statuses(report: GpuReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

function failed(report: GpuReport): string[] {
  return report.problems.map((problem) => problem.check);
}

describe("detectGpu on described machines", () => {
  it("says ready for Linux x64 + 2× A100 + driver 535 + CUDA 11.2 + cuDNN 8.1 + tfjs-node-gpu 4", () => {
    const report = detect(readyMachine());
    expect(report.problems).toEqual([]);
    expect(report.ready).toBe(true);
    expect(Object.values(statuses(report))).toEqual(Array(10).fill("ok"));
    expect(report.warnings).toEqual([]);
    const found = Object.fromEntries(report.checks.map((check) => [check.id, check.found]));
    expect(found["gpus"]).toBe("2 × NVIDIA A100-SXM4-80GB (cc 8.0, 80 GiB)");
    expect(found["driver-version"]).toBe("535.129.03 (supports CUDA ≤ 12.2)");
    expect(found["cuda-runtime"]).toContain("version 11.2.152");
    expect(found["cudnn"]).toContain("version 8.1.0");
    expect(found["tfjs-load"]).toContain("device:GPU:1 (NVIDIA A100-SXM4-80GB)");
  });

  it("lists the driver, libraries and package as missing on a machine with nothing", () => {
    const report = detect({});
    expect(report.ready).toBe(false);
    expect(failed(report)).toEqual([
      "driver",
      "cuda-runtime",
      "cudnn",
      "cuda-libraries",
      "tfjs-node-gpu",
    ]);
    expect(statuses(report)).toMatchObject({
      "driver-version": "skipped",
      gpus: "skipped",
      libcuda: "skipped",
      "tfjs-load": "skipped",
    });
    const remedies = report.problems.map((problem) => problem.remedy);
    expect(remedies[0]).toContain("install the NVIDIA driver ≥ 450.80.02");
    expect(remedies[1]).toContain("install the CUDA 11.2 runtime (libcudart.so.11.0)");
    expect(remedies[1]).toContain("LD_LIBRARY_PATH");
    expect(remedies[2]).toContain("install cuDNN 8.1 for CUDA 11.x (libcudnn.so.8)");
    expect(remedies[4]).toBe(
      "npm i @tensorflow/tfjs-node-gpu (its install script downloads libtensorflow, so it needs the internet)",
    );
  });

  it("explains a driver that is installed but not loaded", () => {
    const machine = readyMachine();
    machine.files = { ...machine.files, "/proc/driver/nvidia/version": undefined as never };
    delete machine.files["/proc/driver/nvidia/version"];
    machine.commands = {
      ...machine.commands,
      [QUERY]: ran(fixture("nvidia-smi/no-driver.txt"), 9),
    };
    machine.load = childLoad(
      "2023-11-21 E tensorflow/stream_executor/cuda/cuda_driver.cc:271] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected",
    );
    const report = detect(machine);
    expect(failed(report)).toEqual(["driver", "tfjs-load"]);
    const [driver, load] = report.problems;
    expect(driver!.found).toContain("couldn't communicate with the NVIDIA driver");
    expect(driver!.remedy).toContain("sudo modprobe nvidia");
    expect(load!.found).toContain("TensorFlow created no GPU device");
    expect(statuses(report)).toMatchObject({ gpus: "skipped", libcuda: "skipped" });
  });

  it("explains a CUDA 12 runtime and cuDNN 7 next to tfjs-node-gpu built for CUDA 11.2", () => {
    const machine = readyMachine();
    machine.files = {
      ...machine.files,
      "/usr/include/cudnn_version.h": undefined as never,
      "/usr/include/cudnn.h": fixture("headers/cudnn-7.6.5.h"),
    };
    delete machine.files["/usr/include/cudnn_version.h"];
    machine.commands = {
      ...machine.commands,
      [LDCONFIG]: ran(fixture("ldconfig/cuda-12-cudnn-7.txt")),
    };
    machine.dirs = { "/usr/lib/x86_64-linux-gnu": ["libcudnn.so.7", "libcudnn.so.7.6.5"] };
    machine.load = childLoad(fixture("tfjs-load/stderr-missing-libs.txt"));
    const report = detect(machine);
    expect(failed(report)).toEqual(["cuda-runtime", "cudnn", "cuda-libraries", "tfjs-load"]);
    const byCheck = Object.fromEntries(report.problems.map((problem) => [problem.check, problem]));
    expect(byCheck["cuda-runtime"]!.found).toMatch(/^CUDA 12 only: libcudart\.so\.12 in /);
    expect(byCheck["cuda-runtime"]!.remedy).toContain("cannot use CUDA 12");
    expect(byCheck["cudnn"]!.found).toMatch(/^cuDNN 7\.6\.5 only: libcudnn\.so\.7/);
    expect(byCheck["cuda-libraries"]!.found).toBe(
      "missing libcublas.so.11, libcublasLt.so.11, libcufft.so.10, libcusparse.so.11 (2 found; other versions: libcublas.so.12, libcublasLt.so.12, libcufft.so.11, libcusparse.so.12)",
    );
    expect(byCheck["tfjs-load"]!.remedy).toBe(
      "make libcudart.so.11.0, libcudnn.so.8 visible to the loader (see the library checks above)",
    );
    expect(byCheck["cuda-runtime"]!.requirement).toBe(
      "CUDA runtime: libcudart.so.11.0 (CUDA 11.2)",
    );
  });

  it("holds tfjs-node-gpu 2.x to CUDA 10.0 exactly: a 10.1 runtime has another soname", () => {
    const machine = readyMachine();
    machine.tfjsVersion = "2.8.6";
    machine.commands = {
      ...machine.commands,
      [LDCONFIG]: ran(
        "\tlibcudart.so.10.1 (libc6,x86-64) => /usr/local/cuda-10.1/lib64/libcudart.so.10.1\n",
      ),
    };
    machine.dirs = { "/usr/local/cuda-10.1/lib64": ["libcudart.so.10.1", "libcudart.so.10.1.243"] };
    const report = detect(machine, false);
    const runtime = report.problems.find((problem) => problem.check === "cuda-runtime")!;
    expect(runtime.requirement).toBe("CUDA runtime: libcudart.so.10.0 (CUDA 10.0)");
    expect(runtime.found).toBe(
      "CUDA 10.1 only: libcudart.so.10.1.243 in /usr/local/cuda-10.1/lib64 (ldconfig)",
    );
    expect(runtime.remedy).toContain("needs the CUDA 10.0 runtime and cannot use CUDA 10.1");
  });

  it("offers the missing soname link when only the full file name of the right major is there", () => {
    const machine = readyMachine();
    machine.env = { LD_LIBRARY_PATH: "/opt/cuda/lib64" };
    machine.dirs = { ...machine.dirs, "/opt/cuda/lib64": ["libcudart.so.11.8.89"] };
    machine.commands = {
      ...machine.commands,
      [LDCONFIG]: ran(fixture("ldconfig/cuda-11.2-cudnn-8.1.txt").replace(/^.*libcudart.*$/gm, "")),
    };
    delete machine.dirs["/usr/local/cuda-11.2/targets/x86_64-linux/lib"];
    const report = detect(machine, false);
    expect(report.problems.map((problem) => problem.check)).toEqual(["cuda-runtime"]);
    expect(report.problems[0]!.remedy).toBe(
      "create the missing link: `sudo ldconfig` (or `ln -s libcudart.so.11.8.89 libcudart.so.11.0` in /opt/cuda/lib64)",
    );
  });

  it("rejects a cuDNN 8 older than the 8.1 tfjs-node-gpu was built with", () => {
    const machine = readyMachine();
    machine.dirs = {
      ...machine.dirs,
      "/lib/x86_64-linux-gnu": ["libcuda.so.1", "libcudnn.so.8", "libcudnn.so.8.0.5"],
    };
    delete machine.files!["/usr/include/cudnn_version.h"];
    const report = detect(machine, false);
    expect(failed(report)).toEqual(["cudnn"]);
    expect(report.problems[0]!.remedy).toContain("TensorFlow refuses a cuDNN older than the 8.1");
  });

  it("asks for a driver upgrade on driver 440 (CUDA 10.2), with the legacy query", () => {
    const machine = readyMachine();
    machine.files = {
      ...machine.files,
      "/proc/driver/nvidia/version": fixture("proc/version-440.txt"),
    };
    machine.commands = {
      ...machine.commands,
      [QUERY]: ran(fixture("nvidia-smi/query-470-invalid-field.txt"), 2),
      [LEGACY_QUERY]: ran(fixture("nvidia-smi/query-440-legacy.csv")),
      [PLAIN]: ran(fixture("nvidia-smi/plain-440.txt")),
    };
    const report = detect(machine, false);
    expect(failed(report)).toEqual(["driver-version"]);
    expect(report.problems[0]).toEqual({
      check: "driver-version",
      requirement: "Driver version: ≥ 450.80.02 (for CUDA 11.2)",
      found: "440.33.01 (supports CUDA ≤ 10.2)",
      remedy:
        "upgrade the NVIDIA driver to ≥ 450.80.02 (CUDA 11.2, which tfjs-node-gpu 4.x uses, needs it) and reboot",
    });
    expect(report.warnings.join("\n")).toContain("too old to report compute capabilities");
  });

  it("explains a crash in libtensorflow and keeps the caller alive", () => {
    const machine = readyMachine();
    machine.load = childLoad(fixture("tfjs-load/stderr-cudnn-too-old.txt"), {
      status: null,
      signal: "SIGABRT",
    });
    const report = detect(machine);
    expect(failed(report)).toEqual(["tfjs-load"]);
    expect(report.problems[0]!.found).toMatch(
      /^crashed with SIGABRT after 2\.3 s: .*Loaded runtime CuDNN library: 8\.0\.5/,
    );
  });

  it("fails when tfjs ends up on another backend than TensorFlow's", () => {
    const machine = readyMachine();
    machine.load = {
      ...childLoad(fixture("tfjs-load/stderr-gpu-ok.txt")),
      stdout: 'cuda-check-load-result:{"backend":"cpu","sum":3}\n',
    };
    const report = detect(machine);
    expect(failed(report)).toEqual(["tfjs-load"]);
    expect(report.problems[0]!.found).toContain('tfjs runs on its "cpu" backend');
  });

  it("tells how to fix a missing native binding", () => {
    const machine = readyMachine();
    machine.load = childLoad(fixture("tfjs-load/stderr-binding-missing.txt"), { status: 1 });
    const report = detect(machine);
    expect(report.problems[0]!.remedy).toContain("npm rebuild @tensorflow/tfjs-node-gpu");
  });

  it("warns about GPUs that are too old or newer than the prebuilt kernels, and fails when none is usable", () => {
    const machine = readyMachine();
    machine.commands = {
      ...machine.commands,
      [QUERY]: ran("NVIDIA H200, 143771, 9.0, 580.65.06\nQuadro K600, 978, 3.0, 580.65.06\n"),
    };
    const report = detect(machine, false);
    expect(report.ready).toBe(true);
    expect(report.warnings.join("\n")).toMatch(
      /GPU 0 \(NVIDIA H200, cc 9\.0\) is newer than the kernels/,
    );
    expect(report.warnings.join("\n")).toMatch(
      /GPU 1 \(Quadro K600, cc 3\.0\) is too old for TensorFlow/,
    );
    expect(report.warnings.join("\n")).toContain("load check disabled");

    machine.commands[QUERY] = ran("Quadro K600, 978, 3.0, 470.182.03\n");
    expect(failed(detect(machine, false))).toEqual(["gpus"]);
  });

  it("reports libcuda.so.1 missing when the driver answers but its library is not visible", () => {
    const machine = readyMachine();
    machine.commands = {
      ...machine.commands,
      [LDCONFIG]: ran(
        fixture("ldconfig/cuda-11.2-cudnn-8.1.txt").replace(/^.*libcuda\.so.*$/gm, ""),
      ),
    };
    machine.dirs = {
      "/usr/local/cuda-11.2/targets/x86_64-linux/lib": ["libcudart.so.11.0"],
      "/lib/x86_64-linux-gnu": ["libcudnn.so.8"],
    };
    const report = detect(machine, false);
    expect(failed(report)).toEqual(["libcuda"]);
    expect(report.problems[0]!.remedy).toContain("--gpus all");
  });

  it("accepts WSL2, where the kernel module lives on the Windows side", () => {
    const machine = readyMachine();
    delete machine.files!["/proc/driver/nvidia/version"];
    machine.files!["/proc/sys/kernel/osrelease"] = "5.15.153.1-microsoft-standard-WSL2\n";
    const report = detect(machine);
    expect(report.ready).toBe(true);
    expect(report.os.wsl).toBe(true);
    expect(report.checks.find((check) => check.id === "driver")?.found).toMatch(
      /^driver on the Windows host/,
    );
  });

  it.each([
    ["darwin", "arm64"],
    ["darwin", "x64"],
    ["win32", "x64"],
  ])("says tfjs-node-gpu is Linux x64 only on %s %s", (platform, arch) => {
    const probes = fakeProbes({ platform, arch, tfjsVersion: "4.22.0" });
    const report = detectGpu({ ...probes });
    expect(report.ready).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ check: "os", found: `${platform} ${arch}` });
    expect(report.problems[0]!.remedy).toMatch(/^tfjs-node-gpu is Linux x64 only/);
    expect(
      probes.calls.some((call) => call.startsWith("load") || call.startsWith("ldconfig")),
    ).toBe(false);
  });

  it("mentions GPUs nvidia-smi lists on Windows", () => {
    const report = detect({
      platform: "win32",
      commands: { [QUERY]: ran(fixture("nvidia-smi/query-mixed.csv")) },
    });
    expect(report.warnings.join("\n")).toContain(
      "nvidia-smi lists NVIDIA A100-PCIE-40GB (cc 8.0, 40 GiB)",
    );
  });

  it("checks everything else on Linux arm64 too", () => {
    const machine = readyMachine();
    machine.arch = "arm64";
    machine.files!["/proc/driver/nvidia/version"] = fixture("proc/version-aarch64-535.txt");
    const report = detect(machine, false);
    // The x86-64 ldconfig fixture is invisible to an arm64 loader; only directory listings remain.
    expect(failed(report)[0]).toBe("os");
    expect(report.checks.find((check) => check.id === "driver")?.status).toBe("ok");
  });

  it("never throws when a probe throws", () => {
    const probes = fakeProbes(readyMachine());
    const report = detectGpu({
      ...probes,
      exec: () => {
        throw new Error("exec exploded");
      },
      resolveModule: () => {
        throw new Error("resolver exploded");
      },
    });
    expect(report.ready).toBe(false);
    expect(report.warnings).toEqual([
      "the NVIDIA driver probe failed: exec exploded",
      "the library probe failed: exec exploded",
      "the tfjs-node-gpu probe failed: resolver exploded",
      "the WebGPU probe failed: resolver exploded",
    ]);
  });
});

// The development machines run Linux without an NVIDIA driver; elsewhere this expectation does not hold.
const gpuLessLinux = process.platform === "linux" && !existsSync("/proc/driver/nvidia/version");

describe.runIf(gpuLessLinux)("detectGpu on this machine (real probes, no GPU)", () => {
  it("returns a not-ready report with problems and does not throw", () => {
    const report = detectGpu();
    expect(report.checks.find((check) => check.id === "driver")?.status).toBe("fail");
    expect(report.ready).toBe(false);
    expect(report.problems.length).toBeGreaterThan(0);
    for (const problem of report.problems) {
      expect(problem.requirement).not.toBe("");
      expect(problem.found).not.toBe("");
      expect(problem.remedy).not.toBe("");
    }
    expect(report.os.platform).toBe(process.platform);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe("detectGpu and CUDA_VISIBLE_DEVICES", () => {
  it.each(["", "-1", "NoDevFiles", " -1,0"])("fails when %j hides every GPU", (value) => {
    const machine = readyMachine();
    machine.env = { CUDA_VISIBLE_DEVICES: value };
    const report = detect(machine, false);
    expect(failed(report)).toEqual(["gpus"]);
    expect(report.problems[0]!.remedy).toMatch(/^CUDA_VISIBLE_DEVICES hides every GPU/);
  });

  it.each(["1", "0,1", "GPU-8f6d8a1e-2b4c-4d9e-9f0a-0123456789ab", "MIG-GPU-8f6d8a1e/1/0"])(
    "shows %j next to the GPUs and passes",
    (value) => {
      const machine = readyMachine();
      machine.env = { CUDA_VISIBLE_DEVICES: value };
      const report = detect(machine, false);
      expect(report.ready).toBe(true);
      expect(report.checks.find((check) => check.id === "gpus")?.found).toContain(
        `; CUDA_VISIBLE_DEVICES=${JSON.stringify(value)}`,
      );
    },
  );
});

describe("detectGpu under WSL2 without a Windows driver", () => {
  it("points at the Windows driver, not a Linux one", () => {
    const machine = readyMachine();
    delete machine.files!["/proc/driver/nvidia/version"];
    machine.files!["/proc/sys/kernel/osrelease"] = "5.15.153.1-microsoft-standard-WSL2\n";
    machine.commands = { [LDCONFIG]: machine.commands![LDCONFIG]! };
    const report = detect(machine, false);
    expect(failed(report)).toEqual(["driver"]);
    expect(report.problems[0]!.remedy).toMatch(/^under WSL2 the GPU driver is the Windows one/);
  });
});
