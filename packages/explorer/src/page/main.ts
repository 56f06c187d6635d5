import { loadGraphModel } from "@tensorflow/tfjs-converter";
import type { ExplorerManifest } from "../shared/explorer-manifest.js";
import { chooseBackend } from "./backend.js";
import { element, formatNumber } from "./dom.js";
import { RankerSession } from "./ranker-session.js";
import { timelineView } from "./timeline-view.js";
import { TwhinView } from "./twhin-view.js";
import { WhyView } from "./why-view.js";

/** What the page exposes as `window.explorer` (the browser test reads it). */
interface ExplorerGlobal {
  ready: boolean;
  error: string | null;
  backend: string;
  session?: RankerSession;
  why?: WhyView;
  twhin?: TwhinView;
  /** Candidate rows in the order the timeline shows them. */
  order: number[];
  /** Σ weight × calibrated p per candidate row (page outputs), and its largest |page − Node| p. */
  scores: number[];
  nodeDifference: number | null;
}

const global: ExplorerGlobal = {
  ready: false,
  error: null,
  backend: "",
  order: [],
  scores: [],
  nodeDifference: null,
};
(window as unknown as { explorer: ExplorerGlobal }).explorer = global;

async function start(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const status = document.getElementById("status") as HTMLElement;
  global.backend = await chooseBackend(query.get("backend"));
  const manifest = (await (await fetch("/data/explorer.json")).json()) as ExplorerManifest;
  const views = document.getElementById("views") as HTMLElement;
  const tabs = document.getElementById("tabs") as HTMLElement;
  const sections: Record<string, HTMLElement> = {};
  const onShow: Record<string, () => void> = {};
  const showView = (name: string) => {
    onShow[name]?.();
    for (const [key, section] of Object.entries(sections)) section.hidden = key !== name;
    for (const tab of tabs.querySelectorAll("button"))
      tab.classList.toggle("active", tab.dataset.view === name);
  };
  const addView = (name: string, label: string, section: HTMLElement) => {
    sections[name] = section;
    views.append(section);
    tabs.append(element("button", { "data-view": name, onclick: () => showView(name) }, [label]));
  };
  let line = `${manifest.kind} run ${manifest.run} · tfjs backend: ${global.backend}`;
  if (manifest.ranker) {
    const model = await loadGraphModel("/data/model/model.json");
    const session = new RankerSession(model, manifest.ranker);
    global.session = session;
    const why = new WhyView(session, () => undefined);
    global.why = why;
    const refresh = () => {
      global.order = session.ranking();
      global.scores = session.rows.map((_row, index) => session.candidateScore(index));
    };
    addView(
      "timeline",
      "Timeline",
      timelineView(
        session,
        (row) => {
          why.show(row);
          showView("why");
        },
        refresh,
      ),
    );
    addView("why", "Why this item", why.root);
    // Attributions are computed when the view is first opened: the top candidate.
    onShow["why"] = () => {
      if (!why.state) why.show(session.ranking()[0] ?? 0);
    };
    global.nodeDifference = session.nodeDifference();
    line += ` · Heavy Ranker step ${manifest.ranker.step}; scores match Node's within ${formatNumber(global.nodeDifference, 7)}`;
  }
  if (manifest.twhin) {
    const vectors = new Map<string, Float32Array>();
    for (const table of manifest.twhin.tables)
      vectors.set(
        table.name,
        new Float32Array(await (await fetch(`/data/${table.file}`)).arrayBuffer()),
      );
    const twhin = new TwhinView(manifest.twhin, vectors, () => undefined);
    global.twhin = twhin;
    addView("twhin", "TwHIN", twhin.root);
    twhin.show(manifest.twhin.tables[0]?.name ?? "", 0);
  }
  showView(query.get("view") ?? Object.keys(sections)[0] ?? "");
  status.textContent = line;
  global.ready = true;
}

start().catch((error: unknown) => {
  global.error = error instanceof Error ? error.message : String(error);
  const status = document.getElementById("status");
  if (status) status.textContent = `The explorer could not start: ${global.error}`;
});
