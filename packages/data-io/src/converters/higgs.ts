import { join } from "node:path";
import type { GraphDescriptor } from "../generators/graph-descriptor.js";
import { type EdgeSplit, writeEdgeGraph } from "./edge-graph-writer.js";
import { lineError, readTextLines } from "./text-lines.js";

/** Interaction codes of the Higgs activity file and the relation each becomes. */
const RELATIONS: Readonly<Record<string, number>> = { RT: 0, MT: 1, RE: 2 };
const RELATION_NAMES = ["retweet", "mention", "reply"];

/** 2012-07-06 00:00:00 UTC: train on July 1–5, test on July 6–7 (higgs-twitter/SOURCE.md). */
export const HIGGS_SPLIT_TIME = 1_341_532_800;

/**
 * Converts the SNAP Higgs Twitter activity log (`higgs-activity_time.txt.gz`: `userA userB
 * unix_time RT|MT|RE`) into TwHIN edges: one `user` table (ids in numeric order of the anonymised
 * user ids), relations `retweet`, `mention`, `reply` (userA → userB), every event one edge,
 * split by time (events before `splitTime` → train, the rest → test). Unknown interaction codes
 * and malformed lines are DataErrors naming file:line.
 */
export async function convertHiggs(
  inDir: string,
  outDir: string,
  options: { splitTime?: number } = {},
): Promise<GraphDescriptor> {
  const splitTime = options.splitTime ?? HIGGS_SPLIT_TIME;
  const file = join(inDir, "higgs-activity_time.txt.gz");
  const events: { a: number[]; b: number[]; rel: number[]; time: number[] } = {
    a: [],
    b: [],
    rel: [],
    time: [],
  };
  for await (const { text, number } of readTextLines(file)) {
    if (text.trim() === "") continue;
    const fields = text.trim().split(/\s+/);
    const rel = RELATIONS[fields[3] ?? ""];
    if (fields.length !== 4 || !fields.slice(0, 3).every((field) => /^\d+$/.test(field))) {
      throw lineError(
        file,
        number,
        `expected "userA userB unix_time RT|MT|RE", got "${text.slice(0, 80)}"`,
      );
    }
    if (rel === undefined)
      throw lineError(file, number, `unknown interaction "${fields[3]}"; expected RT, MT or RE`);
    events.a.push(Number(fields[0]));
    events.b.push(Number(fields[1]));
    events.rel.push(rel);
    events.time.push(Number(fields[2]));
  }
  const users = [...new Set([...events.a, ...events.b])].sort((x, y) => x - y);
  const userId = new Map(users.map((user, id) => [user, id]));
  const splits = new Map<string, EdgeSplit & { lhs: number[]; rel: number[]; rhs: number[] }>([
    ["train", { lhs: [], rel: [], rhs: [] }],
    ["test", { lhs: [], rel: [], rhs: [] }],
  ]);
  for (let i = 0; i < events.a.length; i++) {
    const split = splits.get((events.time[i] as number) < splitTime ? "train" : "test") as {
      lhs: number[];
      rel: number[];
      rhs: number[];
    };
    split.lhs.push(userId.get(events.a[i] as number) as number);
    split.rel.push(events.rel[i] as number);
    split.rhs.push(userId.get(events.b[i] as number) as number);
  }
  return writeEdgeGraph(outDir, {
    tables: [{ name: "user", names: users.map(String), dictionaryFile: "users.json" }],
    relations: RELATION_NAMES.map((name) => ({ name, lhs: "user", rhs: "user" })),
    splits,
    source: {
      converter: "@tml/data-io convertHiggs",
      input: file,
      split: `time < ${splitTime} → train, else test`,
    },
    statistics: { users: users.length, events: events.a.length },
  });
}
