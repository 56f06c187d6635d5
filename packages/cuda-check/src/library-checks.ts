import { dirname } from "node:path/posix";
import type { CheckList } from "./checks.js";
import {
  type FoundLibrary,
  filesOf,
  findSoname,
  type LibraryInfo,
  mostPreciseVersion,
} from "./libraries.js";
import type { TfjsGpuBuild } from "./requirements.js";
import { compareVersions, majorOf, versionSegments } from "./versions.js";

/** "libcudart.so.13 in /usr/local/cuda-13.0/lib (ldconfig)" */
function describeFile(library: FoundLibrary): string {
  return `${library.file} in ${dirname(library.path)} (${library.source})`;
}

function notFound(libraries: LibraryInfo): string {
  const searched = [
    ...(libraries.ldLibraryPath.length > 0 ? ["LD_LIBRARY_PATH"] : []),
    libraries.ldconfigAvailable ? "the ldconfig cache" : "no ldconfig cache (`ldconfig -p` failed)",
  ];
  return `not found (searched ${searched.join(" and ")})`;
}

function onLoaderPath(directoryHint: string, plural = false): string {
  const it = plural ? "them" : "it";
  return `put ${it} on LD_LIBRARY_PATH (export LD_LIBRARY_PATH=${directoryHint}:$LD_LIBRARY_PATH) or register ${it} with ldconfig`;
}

/**
 * Groups the versioned files of a library that `compatible` rejects, one file per label (the most
 * precise name first), for "found CUDA 12 only" messages.
 */
function incompatibleFiles(
  libraries: LibraryInfo,
  name: string,
  compatible: (version: string) => boolean,
  label: (version: string) => string,
): { label: string; library: FoundLibrary }[] {
  const byLabel = new Map<string, FoundLibrary>();
  for (const library of filesOf(libraries, name)) {
    if (library.version === undefined || compatible(library.version)) continue;
    const key = label(library.version);
    const kept = byLabel.get(key);
    if (kept === undefined || library.version.length > kept.version!.length)
      byLabel.set(key, library);
  }
  return [...byLabel].map(([key, library]) => ({ label: key, library }));
}

/** The driver's libcuda.so.1 must be visible (checked only once the driver itself is fine). */
export function checkLibcuda(list: CheckList, libraries: LibraryInfo, driverOk: boolean): void {
  const title = "libcuda (driver API)";
  const required = "libcuda.so.1 visible to the loader";
  if (!driverOk) {
    list.skip("libcuda", title, required, "not checked: it comes with the driver");
    return;
  }
  const found = findSoname(libraries, "libcuda.so.1");
  if (found !== undefined) list.ok("libcuda", title, required, describeFile(found));
  else {
    list.fail(
      "libcuda",
      title,
      required,
      notFound(libraries),
      "install the driver's user-space libraries (libnvidia-compute / nvidia-utils of the same version as the kernel module); in a container, run it with the NVIDIA Container Toolkit (`--gpus all`)",
    );
  }
}

/** The CUDA runtime with tfjs-node-gpu's major (libcudart.so.11.0 for CUDA 11.x) must be visible. */
export function checkCudaRuntime(
  list: CheckList,
  libraries: LibraryInfo,
  build: TfjsGpuBuild,
): void {
  const { soname } = build.cudart;
  const major = majorOf(build.cuda)!;
  const title = "CUDA runtime";
  const required = `${soname} (CUDA ${build.cuda})`;
  const remedy = `install the CUDA ${build.cuda} runtime (${soname}) and ${onLoaderPath(`/usr/local/cuda-${build.cuda}/lib64`)}`;
  const exact = findSoname(libraries, soname);
  if (exact !== undefined) {
    const precise = mostPreciseVersion(libraries, "libcudart", major);
    // libcudart.so.11.0 names every 11.x; only the full file name (11.2.152) gives the minor.
    const full =
      precise !== undefined && versionSegments(precise)!.length >= 3 ? precise : undefined;
    list.ok(
      "cuda-runtime",
      title,
      required,
      `${describeFile(exact)}${full ? `, version ${full}` : ""}`,
    );
    if (full !== undefined && compareVersions(full, build.cuda) < 0) {
      list.warn(
        `the CUDA runtime is ${full}, older than CUDA ${build.cuda} that tfjs-node-gpu was built with: some kernels may fail; CUDA ${build.cuda} or a newer ${major}.x is safer`,
      );
    }
    return;
  }
  const compatible = cudaRuntimeCompatible(build);
  const sameRuntime = filesOf(libraries, "libcudart").find(
    (library) => library.version !== undefined && compatible(library.version),
  );
  if (sameRuntime !== undefined) {
    list.fail(
      "cuda-runtime",
      title,
      required,
      `${describeFile(sameRuntime)}, but no file named ${soname}`,
      `create the missing link: \`sudo ldconfig\` (or \`ln -s ${sameRuntime.file} ${soname}\` in ${dirname(sameRuntime.path)})`,
    );
    return;
  }
  const others = incompatibleFiles(libraries, "libcudart", compatible, cudaRuntimeLabel);
  if (others.length > 0) {
    const labels = others.map((other) => other.label).join(", ");
    list.fail(
      "cuda-runtime",
      title,
      required,
      `${labels} only: ${others.map((other) => describeFile(other.library)).join("; ")}`,
      `${remedy}; tfjs-node-gpu ${build.tfjsMajor}.x needs ${major >= 11 ? `a CUDA ${major}.x runtime` : `the CUDA ${build.cuda} runtime`} and cannot use ${labels} (the versions install side by side)`,
    );
    return;
  }
  list.fail("cuda-runtime", title, required, notFound(libraries), remedy);
}

// From CUDA 11 one runtime soname (libcudart.so.11.0, libcudart.so.12) serves a whole major; before
// it every minor had its own (libcudart.so.10.0, .10.1, .10.2) and they were not interchangeable.
function cudaRuntimeCompatible(build: TfjsGpuBuild): (version: string) => boolean {
  const wanted = versionSegments(build.cuda)!;
  return (version) => {
    const [major, minor] = versionSegments(version)!;
    return major === wanted[0] && (wanted[0]! >= 11 || minor === wanted[1]);
  };
}

function cudaRuntimeLabel(version: string): string {
  const [major, minor] = versionSegments(version)!;
  return major! >= 11 || minor === undefined ? `CUDA ${major}` : `CUDA ${major}.${minor}`;
}

/** cuDNN with tfjs-node-gpu's major, and at least its minor, must be visible. */
export function checkCudnn(list: CheckList, libraries: LibraryInfo, build: TfjsGpuBuild): void {
  const { soname } = build.cudnnLibrary;
  const major = majorOf(build.cudnn)!;
  const cudaMajor = majorOf(build.cuda)!;
  const title = "cuDNN";
  const required = `${soname} (cuDNN ${build.cudnn} or a newer ${major}.x)`;
  const remedy = `install cuDNN ${build.cudnn} for CUDA ${cudaMajor}.x (${soname}) and ${onLoaderPath("<cudnn>/lib")}`;
  const header = libraries.cudnnHeader;
  const exact = findSoname(libraries, soname);
  if (header !== undefined) {
    const headerMajor = majorOf(header.version) ?? -1;
    const libraryMajors = filesOf(libraries, "libcudnn")
      .map((library) => (library.version === undefined ? undefined : majorOf(library.version)))
      .filter((value) => value !== undefined);
    if (libraryMajors.length > 0 && !libraryMajors.includes(headerMajor)) {
      list.warn(
        `${header.path} says cuDNN ${header.version}, but the loader sees cuDNN ${[...new Set(libraryMajors)].join(", ")}: the libraries decide`,
      );
    }
  }
  if (exact !== undefined) {
    const fromFiles = mostPreciseVersion(libraries, "libcudnn", major);
    const fromHeader =
      header !== undefined && majorOf(header.version) === major ? header.version : undefined;
    const version = [fromFiles, fromHeader]
      .filter((value): value is string => value !== undefined)
      .sort((a, b) => versionSegments(b)!.length - versionSegments(a)!.length)[0];
    const precise =
      version !== undefined && versionSegments(version)!.length >= 2 ? version : undefined;
    const found = `${describeFile(exact)}${precise ? `, version ${precise}` : ""}`;
    if (precise !== undefined && compareVersions(precise, build.cudnn) < 0) {
      list.fail(
        "cudnn",
        title,
        required,
        found,
        `${remedy}: TensorFlow refuses a cuDNN older than the ${build.cudnn} it was built with`,
      );
    } else list.ok("cudnn", title, required, found);
    return;
  }
  const others = incompatibleFiles(
    libraries,
    "libcudnn",
    (version) => majorOf(version) === major,
    (version) => `cuDNN ${majorOf(version)}`,
  );
  if (others.length > 0) {
    const versions = others.map((other) => `cuDNN ${other.library.version}`).join(", ");
    list.fail(
      "cudnn",
      title,
      required,
      `${versions} only: ${others.map((other) => describeFile(other.library)).join("; ")}`,
      `${remedy}; tfjs-node-gpu ${build.tfjsMajor}.x needs cuDNN ${major}.x and cannot use ${versions}`,
    );
    return;
  }
  const headerNote =
    header === undefined ? "" : `; ${header.path} says ${header.version} but no library is visible`;
  list.fail("cudnn", title, required, `${notFound(libraries)}${headerNote}`, remedy);
}

/** cuBLAS, cuFFT, cuRAND, cuSOLVER and cuSPARSE of tfjs-node-gpu's CUDA major must be visible. */
export function checkMathLibraries(
  list: CheckList,
  libraries: LibraryInfo,
  build: TfjsGpuBuild,
): void {
  const title = "CUDA libraries";
  const required = build.mathLibraries.map((library) => library.soname).join(", ");
  const missing = build.mathLibraries.filter(
    (library) => findSoname(libraries, library.soname) === undefined,
  );
  if (missing.length === 0) {
    list.ok("cuda-libraries", title, required, `all ${build.mathLibraries.length} found`);
    return;
  }
  const present = build.mathLibraries.length - missing.length;
  const otherVersions = missing.flatMap((library) =>
    filesOf(libraries, library.name)
      .filter((file) => file.version !== undefined)
      .map((file) => file.file),
  );
  const notes = [
    ...(present > 0 ? [`${present} found`] : []),
    ...(otherVersions.length > 0
      ? [`other versions: ${[...new Set(otherVersions)].join(", ")}`]
      : []),
  ];
  list.fail(
    "cuda-libraries",
    title,
    required,
    `missing ${missing.map((library) => library.soname).join(", ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    `install the CUDA ${build.cuda} libraries ${missing.map((library) => library.title).join(", ")} (they come with the CUDA ${build.cuda} toolkit) and ${onLoaderPath(`/usr/local/cuda-${build.cuda}/lib64`, true)}`,
  );
}
