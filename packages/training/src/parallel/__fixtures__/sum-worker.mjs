// Test worker: each round adds rank-dependent values through the collective and, when asked,
// throws a DataError or exits. Loads the built package (self-reference to dist).
import { workerData } from "node:worker_threads";
import { DataError } from "@tml/core";
import { SharedMemoryCollective, serveRounds } from "@tml/training/parallel";

const { group, rank, data } = workerData;
const collective = SharedMemoryCollective.attach(data.collective, rank);
const shared = new Float32Array(data.shared);
const command = new Int32Array(data.command);
serveRounds(group, rank, () => {
  if (command[0] === 1) throw new DataError(`bad row in worker ${rank}`, { details: { row: 7 } });
  if (command[0] === 2) process.exit(3);
  const values = Float32Array.from({ length: 5 }, (_, i) => (rank + 1) * (i + 1));
  collective.allReduceSum(values);
  shared.set(values, rank * 5);
});
