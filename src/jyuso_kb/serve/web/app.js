// 重層的支援 つなぎ先ナビ: hash routing (#/programs/prog-outreach …) over the same-origin API.
// No build step, no third-party code, no storage: household data stays in memory and in POST bodies.

import { getJson } from "./api.js";
import { add, clear, h } from "./dom.js";
import { consultView, sheetView, showError } from "./consult.js";
import {
  departmentView,
  departmentsView,
  matrixView,
  meetingView,
  meetingsView,
  programView,
  programsView,
  scheduleView,
} from "./catalog.js";
import { revisionView } from "./revision.js";
import { whoView } from "./who.js";
import { loadWhyContext } from "./why.js";

const SITE = "重層的支援 つなぎ先ナビ";
const main = document.getElementById("main");
const status = document.getElementById("status");
const info = { revision: "" };

// [first path segment, nav key, title, view(root, ctx, id?)]
const VIEWS = {
  route: ["route", "相談の振り分け", consultView],
  sheet: ["route", "つなぎシート", sheetView],
  who: ["who", "誰が担当?", whoView],
  programs: ["programs", "事業一覧", programsView, programView],
  departments: ["departments", "課の一覧", departmentsView, departmentView],
  matrix: ["matrix", "連携マトリクス", matrixView],
  meetings: ["meetings", "会議体", meetingsView, meetingView],
  schedule: ["schedule", "スケジュール", scheduleView],
  revision: ["revision", "計画の改定", revisionView],
};

let generation = 0;
let firstRender = true;

function announce(text) {
  status.textContent = "";
  // A fresh text node after a tick, so that screen readers announce repeated messages too.
  window.setTimeout(() => {
    status.textContent = text;
  }, 50);
}

function parseHash() {
  const hash = window.location.hash || "";
  if (!hash.startsWith("#/")) return { name: "route", id: null, known: hash === "" || hash === "#" };
  const [name, ...rest] = hash.slice(2).split("/");
  return { name: name || "route", id: rest.length ? decodeURIComponent(rest.join("/")) : null, known: true };
}

async function render() {
  const { name, id } = parseHash();
  const mine = ++generation;
  const entry = VIEWS[name];
  const key = entry ? entry[0] : "";
  for (const a of document.querySelectorAll(".site-nav a")) {
    if (a.dataset.view === key) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const root = h("div", { class: `view view-${name}`, "data-view": name });
  const ctx = {
    announce,
    stale: () => mine !== generation,
    rerender: () => render(),
    get revision() {
      return info.revision;
    },
  };
  add(clear(main), root);
  main.setAttribute("aria-busy", "true");
  try {
    if (!entry) {
      document.title = `ページが見つかりません — ${SITE}`;
      add(root, 
        h("h1", { tabindex: "-1" }, "ページが見つかりません"),
        h("p", {}, "URL を確認するか、上のメニューからページを選んでください。"),
      );
    } else {
      const [, title, listView, itemView] = entry;
      document.title = `${title} — ${SITE}`;
      if (id && itemView) await itemView(root, ctx, id);
      else await listView(root, ctx);
      const heading = root.querySelector("h1");
      if (heading && !ctx.stale()) document.title = `${heading.textContent} — ${SITE}`;
    }
  } catch (error) {
    if (mine !== generation) return;
    add(clear(root), h("h1", { tabindex: "-1" }, "表示できませんでした"));
    const box = h("div");
    showError(box, error);
    add(root, box, h("p", {}, h("a", { href: "#/route" }, "相談の振り分けに戻る")));
  } finally {
    if (mine === generation) main.removeAttribute("aria-busy");
  }
  if (mine !== generation) return;
  // Keyboard and screen-reader users land on the new page's heading (not on the first load).
  if (!firstRender) {
    const heading = root.querySelector("h1");
    if (heading) heading.focus();
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

async function start() {
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
  window.addEventListener("hashchange", () => {
    if (parseHash().known) render();
  });
  try {
    const health = await getJson("/health");
    info.revision = health.revision;
    document.getElementById("plan-label").textContent = health.plan;
    document.getElementById("footer-revision").textContent = `計画の版 ${health.revision}・jyuso-kb ${health.version}`;
    await loadWhyContext();
  } catch (error) {
    const box = h("div");
    showError(box, error);
    add(clear(main), h("h1", {}, "読み込めませんでした"), box);
    return;
  }
  await render();
}

start();
