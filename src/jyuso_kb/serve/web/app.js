// 重層的支援 つなぎ先ナビ: hash routing (#/programs/prog-outreach …) over the same-origin API, for one municipality
// at a time (?municipality=CODE in the page URL when several are served; see municipality.js).
// No build step, no third-party code; household data stays in memory and in POST bodies (the only thing stored in
// the browser is the chosen municipality's code).

import { currentMunicipality, getJson, useMunicipality } from "./api.js";
import { add, clear, h } from "./dom.js";
import { consultView, forgetHousehold, showError } from "./consult.js";
import { sheetView } from "./sheet.js";
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
import { loadMunicipalities, municipalities, optionLabel, pageUrl, remember, resolve, several } from "./municipality.js";
import { forgetReport, revisionView } from "./revision.js";
import { forgetQuestion, whoView } from "./who.js";
import { loadWhyContext } from "./why.js";

const SITE = "重層的支援 つなぎ先ナビ";
const main = document.getElementById("main");
const status = document.getElementById("status");
const chooser = document.getElementById("municipality-select");
const info = { version: "" };

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
let renderedUrl = "";

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

async function render({ focusHeading = true } = {}) {
  const { name, id } = parseHash();
  const mine = ++generation;
  const town = currentMunicipality();
  const titled = (text) => `${text} — ${town.name} — ${SITE}`;
  renderedUrl = window.location.href;
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
      return town.revision;
    },
    municipality: town,
  };
  add(clear(main), root);
  main.setAttribute("aria-busy", "true");
  try {
    await loadWhyContext(); // the chosen municipality's rule names and consent labels (read once per municipality)
    if (mine !== generation) return;
    if (!entry) {
      document.title = titled("ページが見つかりません");
      add(root, 
        h("h1", { tabindex: "-1" }, "ページが見つかりません"),
        h("p", {}, "URL を確認するか、上のメニューからページを選んでください。"),
      );
    } else {
      const [, title, listView, itemView] = entry;
      document.title = titled(title);
      if (id && itemView) await itemView(root, ctx, id);
      else await listView(root, ctx);
      const heading = root.querySelector("h1");
      if (heading && !ctx.stale()) document.title = titled(heading.textContent);
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
  if (!firstRender && focusHeading) {
    const heading = root.querySelector("h1");
    if (heading) heading.focus();
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

/** Names the chosen municipality in the header, the chooser and the footer. */
function showMunicipality(town) {
  document.getElementById("municipality-name").textContent = town.name;
  document.getElementById("plan-label").textContent = town.plan || "重層的支援体制整備事業 実施計画";
  document.getElementById("footer-revision").textContent = `${town.name}の計画の版 ${town.revision}・jyuso-kb ${info.version}`;
  chooser.value = town.code;
}

/** Answers for another municipality from now on: what was shown or typed for the previous one is forgotten. */
function switchTo(town) {
  forgetHousehold();
  forgetQuestion();
  forgetReport();
  useMunicipality(town);
  showMunicipality(town);
}

/** The in-page route to show after switching: a list stays, an item of the other plan goes up to its list. */
function routeAfterSwitch() {
  const { name, id } = parseHash();
  if (name === "sheet") return "#/route"; // the sheet's result was forgotten
  return id && VIEWS[name] ? `#/${name}` : window.location.hash;
}

function choose(code) {
  const town = municipalities().find((m) => m.code === code);
  if (!town || town === currentMunicipality()) return;
  remember(town.code);
  window.history.pushState(null, "", pageUrl(town.code, routeAfterSwitch()));
  switchTo(town);
  announce(`${town.name}の計画に切り替えました。`);
  render({ focusHeading: false }); // the focus stays on the chooser
}

/** Back, forward and in-page links: follow the municipality the URL names, then the route. */
function followUrl() {
  const town = resolve();
  const switched = town !== currentMunicipality();
  if (switched) {
    switchTo(town);
    announce(`${town.name}の計画に切り替えました。`);
  }
  if (switched || (parseHash().known && window.location.href !== renderedUrl)) render();
}

async function start() {
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
  try {
    const [health] = await Promise.all([getJson("/health"), loadMunicipalities()]);
    info.version = health.version;
  } catch (error) {
    const box = h("div");
    showError(box, error);
    add(clear(main), h("h1", {}, "読み込めませんでした"), box);
    return;
  }
  const town = resolve();
  // The URL names the municipality shown (a mistyped or stale code is replaced by the default's); none with one.
  const canonical = pageUrl(town.code);
  if (`${window.location.pathname}${window.location.search}${window.location.hash}` !== canonical) {
    window.history.replaceState(null, "", canonical);
  }
  add(
    clear(chooser),
    municipalities().map((m) => h("option", { value: m.code }, optionLabel(m))),
  );
  document.getElementById("municipality-choice").hidden = !several();
  chooser.addEventListener("change", () => choose(chooser.value));
  useMunicipality(town);
  showMunicipality(town);
  window.addEventListener("hashchange", followUrl);
  window.addEventListener("popstate", followUrl);
  await render();
}

start();
