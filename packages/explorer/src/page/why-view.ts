import {
  type Attributions,
  type FeatureRow,
  integratedGradients,
} from "../shared/integrated-gradients.js";
import { element, formatNumber, shortTask, signedBar } from "./dom.js";
import type { RankerSession } from "./ranker-session.js";

/** What the "Why this item" view shows now (read by the browser test). */
export interface WhyState {
  row: number;
  /** The item's score under the current weights, after any what-if edit. */
  score: number;
  /** Its calibrated probabilities (T). */
  calibrated: number[];
  attributions: Attributions;
  edited: boolean;
}

const TOP_FEATURES = 8;

/**
 * The "Why this item" view of one candidate: each task's contribution (weight × calibrated
 * probability), then integrated-gradients attributions of each task's logit per feature group
 * against the baseline (the candidates' mean row), computed in the page, with the completeness
 * check; "what if" edits of an input value or of the user / author embedding re-score the item.
 */
export class WhyView {
  readonly root = element("section", { id: "why" });
  state: WhyState | undefined;
  private item: FeatureRow = {};
  private row = 0;

  constructor(
    private readonly session: RankerSession,
    private readonly onChange: () => void,
  ) {}

  /** Shows candidate `row` as the timeline scores it now (edits are dropped). */
  show(row: number): void {
    this.row = row;
    this.item = { ...(this.session.rows[row] as FeatureRow) };
    this.update(false);
  }

  private update(edited: boolean): void {
    const session = this.session;
    const tasks = session.manifest.tasks;
    const scores = session.score([this.item]);
    const attributions = integratedGradients(
      session.model,
      session.manifest.groups,
      tasks,
      this.item,
      session.baselineFor(this.item),
    );
    const calibrated = Array.from(scores.calibrated);
    const score = session.candidateScore(0, scores);
    this.state = { row: this.row, score, calibrated, attributions, edited };
    this.root.replaceChildren(
      element("h2", {}, ["Why this item"]),
      this.header(edited, score),
      this.contributions(calibrated),
      this.attributionTable(attributions),
      this.whatIf(attributions),
    );
    this.onChange();
  }

  private header(edited: boolean, score: number): HTMLElement {
    const select = element(
      "select",
      {
        id: "why-row",
        onchange: (event) => this.show(Number((event.target as HTMLSelectElement).value)),
      },
      this.session.rows.map((_row, index) =>
        element("option", { value: index, selected: index === this.row }, [`candidate ${index}`]),
      ),
    );
    return element("div", { class: "controls" }, [
      element("label", {}, ["Candidate ", select]),
      element("span", { class: "score" }, [
        `score ${formatNumber(score)}${edited ? " (edited)" : ""}`,
      ]),
      element("button", { onclick: () => this.show(this.row) }, ["undo edits"]),
    ]);
  }

  private contributions(calibrated: number[]): HTMLElement {
    const tasks = this.session.manifest.tasks;
    const terms = tasks.map(
      (_task, t) => (this.session.weights[t] as number) * (calibrated[t] as number),
    );
    const scale = Math.max(...terms.map(Math.abs), 1e-9);
    return element("table", { class: "contributions-table" }, [
      element("caption", {}, [
        "Each task's contribution to the score: serving weight × calibrated probability",
      ]),
      element(
        "tr",
        {},
        ["task", "weight", "calibrated p", "weight × p", ""].map((name) =>
          element("th", {}, [name]),
        ),
      ),
      ...tasks.map((task, t) =>
        element("tr", {}, [
          element("td", {}, [shortTask(task)]),
          element("td", { class: "number" }, [formatNumber(this.session.weights[t] as number, 2)]),
          element("td", { class: "number" }, [formatNumber(calibrated[t] as number)]),
          element("td", { class: "number" }, [formatNumber(terms[t] as number)]),
          element("td", {}, [signedBar(terms[t] as number, scale)]),
        ]),
      ),
    ]);
  }

  private attributionTable(attributions: Attributions): HTMLElement {
    const groups = this.session.manifest.groups.filter((group) => group.dtype === "float32");
    const tasks = attributions.tasks;
    const scale = Math.max(
      ...tasks.flatMap((task) => Object.values(task.groups).map(Math.abs)),
      1e-9,
    );
    const row = (label: string, values: number[], bars = false) =>
      element("tr", {}, [
        element("th", {}, [label]),
        ...values.map((value) =>
          element("td", { class: "number" }, [
            formatNumber(value),
            bars ? signedBar(value, scale) : "",
          ]),
        ),
      ]);
    return element("table", { class: "attributions" }, [
      element("caption", {}, [
        "Which inputs drove each task's logit: integrated gradients per feature group against the baseline ",
        "(the mean of the candidates; discrete ids keep the item's values). Completeness: the groups sum to ",
        "the item's logit minus the baseline's.",
      ]),
      element("tr", {}, [
        element("th", {}, ["feature group"]),
        ...tasks.map((task) => element("th", {}, [shortTask(task.task)])),
      ]),
      ...groups.map((group) =>
        row(
          group.column ? `${group.name} (${group.column.split(".").at(-1)})` : group.name,
          tasks.map((task) => task.groups[group.name] ?? 0),
          true,
        ),
      ),
      row(
        "Σ attributions",
        tasks.map((task) => Object.values(task.groups).reduce((a, b) => a + b, 0)),
      ),
      row(
        "logit − baseline logit",
        tasks.map((task) => task.logit - task.baselineLogit),
      ),
      element("tr", { class: "gap" }, [
        element("th", {}, ["completeness gap"]),
        ...tasks.map((task, t) =>
          element("td", { class: "number", "data-gap": task.completenessGap }, [
            `${task.completenessGap.toExponential(1)} (${attributions.intervals[t]} intervals)`,
          ]),
        ),
      ]),
    ]);
  }

  private whatIf(attributions: Attributions): HTMLElement {
    const session = this.session;
    const weighted = session.manifest.groups.flatMap((group) =>
      group.dtype === "float32"
        ? Array.from({ length: group.width }, (_, index) => ({
            group: group.name,
            index,
            // Weighted by the serving weights: what moves the score.
            effect: attributions.tasks.reduce(
              (sum, task, t) =>
                sum + (session.weights[t] as number) * (task.features[group.name]?.[index] ?? 0),
              0,
            ),
          }))
        : [],
    );
    const top = weighted
      .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
      .slice(0, TOP_FEATURES);
    const inputs = top.map(({ group, index, effect }) =>
      element("tr", {}, [
        element("td", {}, [`${group}[${index}]`]),
        element("td", { class: "number" }, [formatNumber(effect)]),
        element("td", {}, [
          element("input", {
            type: "number",
            step: "any",
            value: (this.item[group] as Float32Array)[index] as number,
            "data-feature": `${group}:${index}`,
            onchange: (event) => {
              const values = Float32Array.from(this.item[group] as Float32Array);
              values[index] = Number((event.target as HTMLInputElement).value);
              this.item = { ...this.item, [group]: values };
              this.update(true);
            },
          }),
        ]),
      ]),
    );
    return element("div", { class: "what-if" }, [
      element("h3", {}, ["What if"]),
      element("table", {}, [
        element("caption", {}, [
          "The inputs that moved the score most (Σ_t weight_t × attribution); edit a value to re-score the item.",
        ]),
        element("tr", {}, [
          element("th", {}, ["input"]),
          element("th", {}, ["Σ_t weight_t × attribution"]),
          element("th", {}, ["value"]),
        ]),
        ...inputs,
      ]),
      this.embeddingSwap("user_embedding", "user embedding of", session.manifest.userIds),
      this.embeddingSwap("author_embedding", "author embedding of", session.manifest.authorIds),
    ]);
  }

  /** Replaces one embedding of the item by another candidate's (its user's or author's). */
  private embeddingSwap(group: string, label: string, ids: number[] | null): HTMLElement | string {
    if (!this.item[group]) return "";
    const owners = ids ?? this.session.rows.map((_row, index) => index);
    const noun = ids ? (group === "author_embedding" ? "author" : "user") : "candidate";
    return element("label", { class: "swap" }, [
      `Use the ${label} `,
      element(
        "select",
        {
          "data-swap": group,
          onchange: (event) => {
            const source = Number((event.target as HTMLSelectElement).value);
            this.item = {
              ...this.item,
              [group]: this.session.dataRows[source]?.[group] as Float32Array,
            };
            this.update(true);
          },
        },
        [
          element("option", { value: "" }, ["(this item's own)"]),
          ...owners.map((owner, index) =>
            element("option", { value: index }, [`${noun} ${owner}`]),
          ),
        ],
      ),
    ]);
  }
}
