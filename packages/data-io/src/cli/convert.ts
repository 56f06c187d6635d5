import { UsageError } from "@tml/core";
import { convertFrappe } from "../converters/frappe.js";
import { convertHiggs } from "../converters/higgs.js";
import { convertKnowledgeGraph } from "../converters/knowledge-graph.js";
import { convertLastfm } from "../converters/lastfm.js";
import { convertMovielens, type MovielensSplit } from "../converters/movielens.js";
import type { GraphDescriptor } from "../generators/graph-descriptor.js";
import { type CliIo, type ParsedArgs, stringFlag } from "./args.js";

const GRAPH_CONVERTERS = new Map<
  string,
  (input: string, out: string, args: ParsedArgs) => Promise<GraphDescriptor>
>([
  ["kg", (input, out) => convertKnowledgeGraph(input, out)],
  [
    "higgs",
    (input, out, args) => {
      const splitTime = splitTimeFlag(args);
      return convertHiggs(input, out, splitTime === undefined ? {} : { splitTime });
    },
  ],
  ["lastfm", (input, out) => convertLastfm(input, out)],
]);

/**
 * `--split-time`: Unix seconds or an ISO 8601 date-time (`2012-07-05T12:00:00Z`); events before it
 * are train, the rest test. UsageError for anything else.
 */
function splitTimeFlag(args: ParsedArgs): number | undefined {
  const text = args.values["split-time"];
  if (typeof text !== "string") return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const milliseconds = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(milliseconds)) {
    throw new UsageError(
      `tml-data convert higgs: --split-time must be Unix seconds or an ISO date-time (2012-07-06T00:00:00Z), got "${text}".`,
    );
  }
  return Math.floor(milliseconds / 1000);
}

/** `tml-data convert kg|higgs|lastfm|frappe|movielens --in DIR --out DIR`. */
export async function convertCommand(kind: string, args: ParsedArgs, io: CliIo): Promise<void> {
  const command = `convert ${kind}`;
  if (!GRAPH_CONVERTERS.has(kind) && kind !== "frappe" && kind !== "movielens") {
    throw new UsageError(
      `tml-data convert: unknown dataset "${kind}"; use kg, higgs, lastfm, frappe or movielens.`,
    );
  }
  if (args.values["split-time"] !== undefined && kind !== "higgs")
    throw new UsageError(`tml-data ${command}: --split-time applies to higgs only.`);
  const input = stringFlag(command, args, "in");
  const out = stringFlag(command, args, "out");
  let summary: object;
  const graphConverter = GRAPH_CONVERTERS.get(kind);
  if (graphConverter) {
    const descriptor = await graphConverter(input, out, args);
    summary = {
      tables: descriptor.tables,
      relations: descriptor.relations.length,
      splits: rowsOf(descriptor.splits),
      statistics: descriptor.statistics,
    };
  } else if (kind === "frappe") {
    const format = stringFlag(command, args, "format", "csv");
    if (format !== "csv" && format !== "libfm")
      throw new UsageError(`tml-data ${command}: --format must be csv or libfm, got "${format}".`);
    const descriptor = await convertFrappe(input, out, { format });
    summary = { splits: rowsOf(descriptor.splits), ids: descriptor.ids };
  } else {
    const descriptor = await convertMovielens(input, out, {
      split: stringFlag(command, args, "split", "ua") as MovielensSplit,
    });
    summary = {
      splits: rowsOf(descriptor.splits),
      labels: descriptor.labels,
      dense: descriptor.dense.length,
      binary: descriptor.binary.length,
      ids: descriptor.ids,
    };
  }
  io.stdout(
    args.values.json
      ? `${JSON.stringify(summary)}\n`
      : `${command}: wrote ${out}\n${JSON.stringify(summary, null, 2)}\n`,
  );
}

function rowsOf(splits: Record<string, { rows: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(splits).map(([name, split]) => [name, split.rows]));
}
