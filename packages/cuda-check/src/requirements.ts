import { compareVersions, majorOf } from "./versions.js";

/** A shared library libtensorflow opens by exact file name (its soname). */
export interface RequiredLibrary {
  /** Library stem ("libcublas"). */
  name: string;
  /** File name the dynamic loader must find ("libcublas.so.11"). */
  soname: string;
  /** What it is, for messages ("cuBLAS"). */
  title: string;
}

/** The CUDA stack one major version of @tensorflow/tfjs-node-gpu was built against. */
export interface TfjsGpuBuild {
  /** Major version of @tensorflow/tfjs-node-gpu this row describes. */
  tfjsMajor: number;
  /** libtensorflow release the package downloads at install. */
  libtensorflow: string;
  /** CUDA toolkit version it was compiled with ("11.2"); the runtime major must match. */
  cuda: string;
  /** cuDNN version it was compiled with ("8.1"); the major must match, the minor be at least it. */
  cudnn: string;
  /** CUDA runtime library it opens ("libcudart.so.11.0"). */
  cudart: RequiredLibrary;
  /** cuDNN library it opens ("libcudnn.so.8"). */
  cudnnLibrary: RequiredLibrary;
  /** The other CUDA libraries it opens (cuBLAS, cuFFT, cuRAND, cuSOLVER, cuSPARSE). */
  mathLibraries: readonly RequiredLibrary[];
  /** Oldest GPU compute capability its kernels run on. */
  minComputeCapability: string;
  /** Newest compute capability with precompiled kernels; newer GPUs JIT-compile PTX at start. */
  newestNativeComputeCapability: string;
}

function library(name: string, version: string, title: string): RequiredLibrary {
  return { name, soname: `${name}.so.${version}`, title };
}

// tfjs-node-gpu 1.x and 2.x shipped libtensorflow 1.15 (CUDA 10.0); 3.x moved to libtensorflow 2.x
// (2.7 by its later releases) and 4.x ships 2.9.1, both built with CUDA 11.2 and cuDNN 8.1.
const CUDA_10_0 = {
  libtensorflow: "1.15.0",
  cuda: "10.0",
  cudnn: "7.4",
  cudart: library("libcudart", "10.0", "CUDA runtime"),
  cudnnLibrary: library("libcudnn", "7", "cuDNN"),
  mathLibraries: [
    library("libcublas", "10.0", "cuBLAS"),
    library("libcufft", "10.0", "cuFFT"),
    library("libcurand", "10.0", "cuRAND"),
    library("libcusolver", "10.0", "cuSOLVER"),
    library("libcusparse", "10.0", "cuSPARSE"),
  ],
  minComputeCapability: "3.5",
  newestNativeComputeCapability: "7.0",
} as const;

const CUDA_11_2 = {
  cuda: "11.2",
  cudnn: "8.1",
  cudart: library("libcudart", "11.0", "CUDA runtime"),
  cudnnLibrary: library("libcudnn", "8", "cuDNN"),
  mathLibraries: [
    library("libcublas", "11", "cuBLAS"),
    library("libcublasLt", "11", "cuBLASLt"),
    library("libcufft", "10", "cuFFT"),
    library("libcurand", "10", "cuRAND"),
    library("libcusolver", "11", "cuSOLVER"),
    library("libcusparse", "11", "cuSPARSE"),
  ],
  minComputeCapability: "3.5",
  newestNativeComputeCapability: "8.0",
} as const;

/** What each major version of @tensorflow/tfjs-node-gpu needs, newest last. */
export const TFJS_NODE_GPU_BUILDS: readonly TfjsGpuBuild[] = [
  { tfjsMajor: 1, ...CUDA_10_0 },
  { tfjsMajor: 2, ...CUDA_10_0 },
  { tfjsMajor: 3, libtensorflow: "2.7.0", ...CUDA_11_2 },
  { tfjsMajor: 4, libtensorflow: "2.9.1", ...CUDA_11_2 },
];

/** The build `npm i @tensorflow/tfjs-node-gpu` installs today: what is checked when none is found. */
export const LATEST_TFJS_NODE_GPU_BUILD: TfjsGpuBuild = TFJS_NODE_GPU_BUILDS.at(-1)!;

/**
 * The build row for an installed tfjs-node-gpu version ("4.22.0"). An unknown newer major falls
 * back to the newest known row (`known: false`), so the report can say the table needs a new row.
 */
export function tfjsGpuBuildFor(version: string): { build: TfjsGpuBuild; known: boolean } {
  const major = majorOf(version);
  const build = TFJS_NODE_GPU_BUILDS.find((row) => row.tfjsMajor === major);
  return build === undefined
    ? { build: LATEST_TFJS_NODE_GPU_BUILD, known: false }
    : { build, known: true };
}

/**
 * Oldest Linux driver that runs a CUDA version (NVIDIA's CUDA release notes, table 3). From 11.0 on,
 * minor-version compatibility lets one driver run every minor release of a major.
 */
const MIN_LINUX_DRIVER: readonly { cuda: string; driver: string; wholeMajor: boolean }[] = [
  { cuda: "10.0", driver: "410.48", wholeMajor: false },
  { cuda: "10.1", driver: "418.39", wholeMajor: false },
  { cuda: "10.2", driver: "440.33", wholeMajor: false },
  { cuda: "11", driver: "450.80.02", wholeMajor: true },
  { cuda: "12", driver: "525.60.13", wholeMajor: true },
];

/** Oldest Linux driver version that runs CUDA `cuda` ("11.2" -> "450.80.02"); undefined if unknown. */
export function minimumDriverFor(cuda: string): string | undefined {
  const major = majorOf(cuda);
  const row = MIN_LINUX_DRIVER.find((entry) =>
    entry.wholeMajor ? majorOf(entry.cuda) === major : compareVersions(entry.cuda, cuda) === 0,
  );
  return row?.driver;
}
