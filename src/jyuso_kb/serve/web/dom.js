// Small DOM and formatting helpers. Every text becomes a text node (nothing is ever parsed as HTML), so nothing
// from the API or from a resident's words can become markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function link(href, text, attrs = {}) {
  return h("a", { href, ...attrs }, text);
}

/** Japanese era year of a fiscal year (令和 starts in 2019). */
export function reiwa(fiscalYear) {
  const n = fiscalYear - 2018;
  return n === 1 ? "令和元年度" : `令和${n}年度`;
}

export function fiscalYearOf(date) {
  return date.getMonth() >= 3 ? date.getFullYear() : date.getFullYear() - 1;
}

/** "2025-10-01" → "2025年10月1日" */
export function jaDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return iso || "";
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
}

export function todayIso() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function joinJa(items) {
  return items.filter((x) => x !== null && x !== undefined && x !== "").join("、");
}

/** A definition list from [term, value] pairs; empty values are shown as "—". */
export function facts(pairs, cls = "facts") {
  const dl = h("dl", { class: cls });
  for (const [term, value] of pairs) {
    const empty = value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
    dl.append(h("dt", {}, term), h("dd", {}, empty ? "—" : value));
  }
  return dl;
}

export function list(items, render = (x) => x, attrs = {}) {
  return h("ul", attrs, items.map((item) => h("li", {}, render(item))));
}

export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}`.trim() }, text);
}

export function visuallyHidden(text) {
  return h("span", { class: "visually-hidden" }, text);
}

/** Appends children (nested arrays flattened; null, undefined, false and "" skipped). */
export function add(parent, ...children) {
  return append(parent, children);
}
