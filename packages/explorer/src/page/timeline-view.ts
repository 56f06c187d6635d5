import { element, formatNumber, shortTask, signedBar } from "./dom.js";
import type { RankerSession } from "./ranker-session.js";

/** Slider range of a serving weight: the published value ± its own magnitude (at least ±20). */
function sliderRange(weight: number): [number, number] {
  const reach = Math.max(20, Math.abs(weight) * 2);
  return [-reach, reach];
}

/**
 * The Timeline view: a user selector, one slider per task (serving weights, published defaults)
 * and the candidates ranked by Σ weight × calibrated probability, re-ranked as a slider moves.
 * `onExplain` opens a candidate in the "Why this item" view.
 */
export function timelineView(
  session: RankerSession,
  onExplain: (row: number) => void,
  onChange: () => void,
): HTMLElement {
  const list = element("tbody");
  const tasks = session.manifest.tasks;
  const render = () => {
    const order = session.ranking();
    const scale = Math.max(...order.map((row) => Math.abs(session.candidateScore(row))), 1e-9);
    list.replaceChildren(
      ...order.map((row, rank) => {
        const contributions = tasks.map(
          (_task, t) =>
            (session.weights[t] as number) *
            (session.scores.calibrated[row * tasks.length + t] as number),
        );
        const ids = session.manifest;
        const label = [
          ids.tweetIds ? `Tweet ${ids.tweetIds[row]}` : `candidate ${row}`,
          ids.authorIds ? `by author ${ids.authorIds[row]}` : "",
        ].join(" ");
        return element(
          "tr",
          { "data-row": row, class: "candidate", onclick: () => onExplain(row) },
          [
            element("td", {}, [String(rank + 1)]),
            element("td", {}, [label]),
            element("td", { class: "number score" }, [formatNumber(session.candidateScore(row))]),
            element("td", {}, [signedBar(session.candidateScore(row), scale)]),
            element("td", { class: "contributions" }, [
              contributions
                .map((value, t) => `${shortTask(tasks[t] as string)} ${formatNumber(value, 3)}`)
                .join(" · "),
            ]),
          ],
        );
      }),
    );
    onChange();
  };
  const sliders = tasks.map((task, t) => {
    const [min, max] = sliderRange(session.manifest.servingWeights[t] as number);
    const readout = element("output", {}, [formatNumber(session.weights[t] as number, 2)]);
    const slider = element("input", {
      type: "range",
      min,
      max,
      step: 0.5,
      value: session.weights[t] as number,
      "data-task": task,
      oninput: (event) => {
        session.weights[t] = Number((event.target as HTMLInputElement).value);
        readout.textContent = formatNumber(session.weights[t] as number, 2);
        render();
      },
    });
    return element("label", { class: "slider" }, [
      element("span", {}, [shortTask(task)]),
      slider,
      readout,
    ]);
  });
  const reset = element(
    "button",
    {
      onclick: () => {
        session.weights = [...session.manifest.servingWeights];
        sliders.forEach((label, t) => {
          const input = label.querySelector("input") as HTMLInputElement;
          input.value = String(session.weights[t]);
          (label.querySelector("output") as HTMLElement).textContent = formatNumber(
            session.weights[t] as number,
            2,
          );
        });
        render();
      },
    },
    ["published weights"],
  );
  const users = session.users();
  const userSelect = element(
    "select",
    {
      id: "user",
      onchange: (event) => {
        const value = (event.target as HTMLSelectElement).value;
        session.chooseUser(value === "" ? null : Number(value));
        render();
      },
    },
    [
      element("option", { value: "" }, ["each candidate's own user (as in the data)"]),
      ...users.map((user) => element("option", { value: user }, [`user ${user}`])),
    ],
  );
  render();
  return element("section", { id: "timeline" }, [
    element("h2", {}, ["Timeline"]),
    element("p", { class: "note" }, [
      `${session.rows.length} candidates from ${session.manifest.candidatesFile}, scored in this page. `,
      "score = Σ serving weight × calibrated P(engagement); the sliders start at the published weights. ",
      "Choosing a user scores every candidate with that user's features (user and user-engagement embeddings).",
    ]),
    element("div", { class: "controls" }, [
      users.length > 0 ? element("label", {}, ["Timeline for ", userSelect]) : "",
      reset,
    ]),
    element("div", { class: "sliders" }, sliders),
    element("table", { class: "ranking" }, [
      element("thead", {}, [
        element("tr", {}, [
          element("th", {}, ["#"]),
          element("th", {}, ["candidate"]),
          element("th", {}, ["score"]),
          element("th", {}, [""]),
          element("th", {}, ["weight × probability per task"]),
        ]),
      ]),
      list,
    ]),
  ]);
}
