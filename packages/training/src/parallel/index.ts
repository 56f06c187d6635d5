// Training on several threads: the collective (barrier, all-reduce), shared state arrays, and
// worker groups. Imports no tfjs, so worker threads load only what they run.
export {
  type Collective,
  SharedMemoryCollective,
  type SharedMemoryCollectiveHandle,
} from "./collective.js";
export { type Float32Allocator, heapFloat32, SharedFloat32Arrays } from "./shared-arrays.js";
export {
  type GroupWorkerData,
  serveRounds,
  WorkerGroup,
  type WorkerGroupHandle,
} from "./worker-group.js";
