import { describe, expect, it } from "vitest";
import {
  ENOENT,
  fakeProbes,
  fixture,
  LDCONFIG,
  ran,
  readyMachine,
} from "./__fixtures__/fake-machine.js";
import {
  detectLibraries,
  filesOf,
  findSoname,
  mostPreciseVersion,
  parseCudnnHeader,
  parseLdconfig,
  parseLibraryFileName,
} from "./libraries.js";

describe("parseLdconfig", () => {
  it("reads this machine's recorded cache: the CUDA 13 runtime and no cuDNN", () => {
    const entries = parseLdconfig(fixture("ldconfig/this-machine.txt"), "x64");
    expect(entries.length).toBeGreaterThan(500);
    expect(entries).toContainEqual({
      file: "libcudart.so.13",
      flags: "libc6,x86-64",
      path: "/usr/local/cuda-13.0/lib/libcudart.so.13",
    });
    expect(entries.some((entry) => entry.file.startsWith("libcudnn"))).toBe(false);
  });

  it("drops 32-bit entries for a 64-bit process and keeps flags with an OS ABI", () => {
    const entries = parseLdconfig(fixture("ldconfig/cuda-11.2-cudnn-8.1.txt"), "x64");
    expect(
      entries.filter((entry) => entry.file === "libcuda.so.1").map((entry) => entry.path),
    ).toEqual(["/lib/x86_64-linux-gnu/libcuda.so.1"]);
    expect(entries.find((entry) => entry.file === "libc.so.6")?.flags).toBe(
      "libc6,x86-64, OS ABI: Linux 3.2.0",
    );
  });

  it("keeps only AArch64 entries on arm64", () => {
    const text =
      "\tlibcuda.so.1 (libc6,AArch64) => /usr/lib/aarch64-linux-gnu/libcuda.so.1\n\tlibfoo.so (libc6,x86-64) => /x/libfoo.so\n";
    expect(parseLdconfig(text, "arm64").map((entry) => entry.file)).toEqual(["libcuda.so.1"]);
  });

  it("ignores the header and blank or broken lines", () => {
    expect(
      parseLdconfig("536 libs found in cache `/etc/ld.so.cache'\n\nnonsense\n", "x64"),
    ).toEqual([]);
  });
});

describe("parseLibraryFileName", () => {
  it.each([
    ["libcudart.so.11.0", { name: "libcudart", version: "11.0" }],
    ["libcudnn.so.8.1.0", { name: "libcudnn", version: "8.1.0" }],
    ["libcublasLt.so.11", { name: "libcublasLt", version: "11" }],
    ["libcudart.so", { name: "libcudart" }],
    ["libcudnn_ops_infer.so.8", { name: "libcudnn_ops_infer", version: "8" }],
  ])("splits %s", (file, expected) => {
    expect(parseLibraryFileName(file)).toEqual(expected);
  });

  it.each(["libcudart_static.a", "libcudart.so.11.0.bak", "cudart.so.11", "libcudart.so."])(
    "rejects %s",
    (file) => {
      expect(parseLibraryFileName(file)).toBeUndefined();
    },
  );
});

describe("parseCudnnHeader", () => {
  it("reads cudnn_version.h of cuDNN 8 and cudnn.h of cuDNN 7", () => {
    expect(parseCudnnHeader(fixture("headers/cudnn_version-8.1.0.h"))).toBe("8.1.0");
    expect(parseCudnnHeader(fixture("headers/cudnn-7.6.5.h"))).toBe("7.6.5");
    expect(parseCudnnHeader("#define CUDNN_MAJOR 9\n")).toBeUndefined();
  });
});

describe("detectLibraries", () => {
  it("finds the loader's libraries with their fullest versions and the cuDNN header", () => {
    const libraries = detectLibraries(fakeProbes(readyMachine()));
    expect(libraries.ldconfigAvailable).toBe(true);
    expect(findSoname(libraries, "libcudart.so.11.0")?.path).toBe(
      "/usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.0",
    );
    expect(mostPreciseVersion(libraries, "libcudart", 11)).toBe("11.2.152");
    expect(mostPreciseVersion(libraries, "libcudnn", 8)).toBe("8.1.0");
    expect(libraries.cudnnHeader).toEqual({
      path: "/usr/include/cudnn_version.h",
      version: "8.1.0",
    });
    // Only watched libraries, each path once, and never the 32-bit copies.
    expect(filesOf(libraries, "libcuda").map((library) => library.path)).toEqual([
      "/lib/x86_64-linux-gnu/libcuda.so.1",
      "/lib/x86_64-linux-gnu/libcuda.so",
      "/lib/x86_64-linux-gnu/libcuda.so.535.129.03",
    ]);
    expect(libraries.found.some((library) => library.name === "libz")).toBe(false);
    expect(new Set(libraries.found.map((library) => library.path)).size).toBe(
      libraries.found.length,
    );
  });

  it("puts LD_LIBRARY_PATH directories first, in their order", () => {
    const machine = readyMachine();
    machine.env = { LD_LIBRARY_PATH: "/opt/cuda-12/lib64::/opt/cudnn/lib" };
    machine.dirs = {
      ...machine.dirs,
      "/opt/cuda-12/lib64": ["libcudart.so.12"],
      "/opt/cudnn/lib": ["libcudnn.so.8", "libcudnn.so.8.9.7"],
    };
    const libraries = detectLibraries(fakeProbes(machine));
    expect(libraries.ldLibraryPath).toEqual(["/opt/cuda-12/lib64", "/opt/cudnn/lib"]);
    expect(filesOf(libraries, "libcudnn")[0]).toMatchObject({
      path: "/opt/cudnn/lib/libcudnn.so.8",
      source: "LD_LIBRARY_PATH",
    });
    expect(findSoname(libraries, "libcudnn.so.8")?.source).toBe("LD_LIBRARY_PATH");
    expect(mostPreciseVersion(libraries, "libcudnn", 8)).toBe("8.9.7");
  });

  it("falls back to /sbin/ldconfig and reports a cache it could not read", () => {
    const probes = fakeProbes({
      commands: { "/sbin/ldconfig -p": ran(fixture("ldconfig/cuda-12-cudnn-7.txt")) },
    });
    const libraries = detectLibraries(probes);
    expect(probes.calls).toEqual(["ldconfig -p", "/sbin/ldconfig -p"]);
    expect(findSoname(libraries, "libcudart.so.12")).toBeDefined();

    const broken = detectLibraries(
      fakeProbes({ commands: { [LDCONFIG]: ran("", 1, "ldconfig: oops") } }),
    );
    expect(broken).toEqual({ found: [], ldconfigAvailable: false, ldLibraryPath: [] });
  });

  it("looks at nothing off Linux", () => {
    const probes = fakeProbes({
      platform: "darwin",
      arch: "arm64",
      commands: { [LDCONFIG]: ENOENT },
    });
    expect(detectLibraries(probes).found).toEqual([]);
    expect(probes.calls).toEqual([]);
  });
});
