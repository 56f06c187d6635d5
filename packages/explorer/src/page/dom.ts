/** Attributes and event handlers of `element`. */
export type Attributes = Record<string, string | number | boolean | ((event: Event) => void)>;

/** A DOM element with attributes (`on…` keys become listeners) and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === false) continue;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/** A horizontal bar of `value` on a scale where `scale` fills half the cell (negative: left). */
export function signedBar(value: number, scale: number): HTMLElement {
  const share = scale > 0 ? Math.min(1, Math.abs(value) / scale) * 50 : 0;
  const bar = element("span", {
    class: value < 0 ? "bar negative" : "bar positive",
    style: value < 0 ? `right:50%;width:${share}%` : `left:50%;width:${share}%`,
  });
  return element("span", { class: "bar-cell" }, [bar]);
}

/** A number with `digits` significant decimals, a real minus sign. */
export function formatNumber(value: number, digits = 4): string {
  return value.toFixed(digits).replace("-", "−");
}

/** Task names without the common `recap.engagement.` prefix. */
export function shortTask(task: string): string {
  return task.replace(/^recap\.engagement\./, "");
}
