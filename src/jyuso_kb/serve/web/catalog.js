// The plan as pages: 事業一覧 and each 事業, 課 and their duties, 連携マトリクス, 会議体, スケジュール.

import { catalog, getJson } from "./api.js";
import { add, badge, facts, fiscalYearOf, h, joinJa, link, list, reiwa, visuallyHidden } from "./dom.js";

const enc = encodeURIComponent;

function crumbs(...items) {
  return h(
    "nav",
    { class: "crumbs", "aria-label": "現在位置" },
    h(
      "ol",
      {},
      items.map(([href, text], i) =>
        h("li", {}, href ? link(href, text) : h("span", { "aria-current": i === items.length - 1 ? "page" : null }, text)),
      ),
    ),
  );
}

function scrollable(label, table) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table);
}

// The plan section a list comes from, as the plan's own data numbers it (the "source" of the API's lists).
function cite(source) {
  return source ? `(計画 ${source})` : "";
}

function legal(items) {
  return (items || []).map((i) => badge(i, "legal"));
}

function deptLinks(departments) {
  return (departments || []).flatMap((d, i) => [i ? "、" : null, link(`#/departments/${enc(d.id)}`, d.label)]);
}

// ---- 事業 -----------------------------------------------------------------------------------------------------

export async function programsView(root, ctx) {
  const { programs, source } = await catalog("/v1/programs");
  if (ctx.stale()) return;
  const byPillar = new Map();
  for (const p of programs) {
    if (!byPillar.has(p.pillar)) byPillar.set(p.pillar, []);
    byPillar.get(p.pillar).push(p);
  }
  add(root, 
    h("h1", { tabindex: "-1" }, "事業一覧"),
    h("p", { class: "lead" }, `計画に位置づけられた実施事業 ${programs.length}件。事業名を選ぶと詳しい内容を表示します。`),
    scrollable(
      "事業一覧の表",
      h(
        "table",
        { id: "programs-table" },
        h("caption", {}, `実施事業${cite(source)}`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["事業名", "根拠法令", "柱・構成事業", "実施方法", "所管課", "分野"].map((t) => h("th", { scope: "col" }, t)),
          ),
        ),
        h(
          "tbody",
          {},
          programs.map((p) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, link(`#/programs/${enc(p.id)}`, p.label), p.new ? [" ", badge("新規", "ok")] : null),
              h("td", {}, legal(p.legal_basis)),
              h("td", {}, joinJa([p.pillar, p.component])),
              h("td", { class: "nowrap" }, p.implementation || "—"),
              h("td", {}, deptLinks(p.departments)),
              h("td", { class: "nowrap" }, (p.fields || []).map((f) => h("div", {}, f))),
            ),
          ),
        ),
      ),
    ),
  );
}

// The programme as schema.org GovernmentService, for search engines and other machines reading the page: its node in
// the municipality's export (GET /v1/export/schema-org) and every node it refers to (所管課, 委託先, 支援対象者, 根拠の号,
// 市町村 …), as one JSON-LD data block inside the view, so that it goes when the view does. Set as text, never parsed
// as markup; "<" is escaped so that no text of the plan can close the element.
function structuredData(exported, iri) {
  const graph = exported && Array.isArray(exported["@graph"]) ? exported["@graph"] : [];
  const byId = new Map(graph.map((node) => [node["@id"], node]));
  if (!byId.has(iri)) return null;
  const nodes = [];
  const seen = new Set([iri]);
  const queue = [iri];
  while (queue.length) {
    const node = byId.get(queue.shift());
    if (!node) continue;
    nodes.push(node);
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("@")) continue;
      for (const v of [value].flat()) {
        const ref = v && typeof v === "object" ? v["@id"] : undefined;
        if (ref && !seen.has(ref)) {
          seen.add(ref);
          queue.push(ref);
        }
      }
    }
  }
  const text = JSON.stringify({ "@context": exported["@context"], "@graph": nodes }).replace(/</g, "\\u003c");
  return h("script", { type: "application/ld+json", id: "program-jsonld", text });
}

// The programme's schedule by fiscal year of the plan: for each year, what the schedule rows of the programme and of
// its component say (the API's "schedule" of the programme); a year no row speaks of says so instead of "—".
function programSchedule(p, schedule) {
  const rows = p.schedule || [];
  if (!rows.length) return [h("h2", {}, "年度ごとの予定"), h("p", { id: "program-schedule" }, "スケジュールに記載はありません。")];
  const years = schedule.fiscal_years.length ? schedule.fiscal_years : [...new Set(rows.flatMap((r) => Object.keys(r.years || {})))];
  const byYear = facts(
    years.map((y) => {
      const said = rows.filter((r) => ((r.years || {})[y] || []).length);
      return [
        `${reiwa(Number(y))}(${y}年度)`,
        said.length ? list(said, (r) => `${r.label}: ${r.years[y].join("・")}`) : "予定の記載はありません",
      ];
    }),
  );
  byYear.id = "program-schedule";
  return [h("h2", {}, "年度ごとの予定"), h("p", { class: "help" }, `構成事業「${p.component}」の予定${cite(schedule.source)}。`), byYear];
}

export async function programView(root, ctx, id) {
  const [p, schedule, exported] = await Promise.all([
    getJson(`/v1/programs/${enc(id)}`),
    catalog("/v1/schedule"),
    catalog("/v1/export/schema-org").catch(() => null), // the page shows the programme without it
  ]);
  if (ctx.stale()) return;
  add(root, 
    crumbs(["#/programs", "事業一覧"], [null, p.label]),
    h("h1", { tabindex: "-1", id: "program-title" }, p.label, p.new ? [" ", badge("新規", "ok")] : null),
    facts([
      ["説明", p.description],
      ["対象者", p.target_group],
      ["対応するニーズ", joinJa((p.needs || []).map((n) => n.label))],
      ["根拠法令", legal(p.legal_basis)],
      ["柱", p.pillar],
      ["構成事業", p.component],
      ["主な活動", (p.activities || []).length ? list(p.activities) : null],
      ["実施方法", p.implementation],
      ["実施主体", joinJa((p.operators || []).map((o) => o.label))],
      ["所管課", deptLinks(p.departments)],
      ["分野", joinJa(p.fields || [])],
      ["区分", p.new ? "新規事業" : "既存事業"],
      ["計画の節", p.source],
    ]),
    programSchedule(p, schedule),
    structuredData(exported, p.iri),
  );
}

// ---- 課 -------------------------------------------------------------------------------------------------------

export async function departmentsView(root, ctx) {
  const { departments, source } = await catalog("/v1/departments");
  if (ctx.stale()) return;
  add(root, 
    h("h1", { tabindex: "-1" }, "課の一覧"),
    h("p", { class: "lead" }, `庁内連携体制に位置づけられた ${departments.length} の課と、その業務・所管事業。`),
    scrollable(
      "課の一覧の表",
      h(
        "table",
        { id: "departments-table" },
        h("caption", {}, `課と業務${cite(source)}`),
        h("thead", {}, h("tr", {}, ["課", "部", "業務", "所管事業"].map((t) => h("th", { scope: "col" }, t)))),
        h(
          "tbody",
          {},
          departments.map((d) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, link(`#/departments/${enc(d.id)}`, d.label)),
              h("td", {}, d.division || "—"),
              h("td", {}, joinJa(d.duties || [])),
              h("td", {}, String((d.programs || []).length)),
            ),
          ),
        ),
      ),
    ),
  );
}

export async function departmentView(root, ctx, id) {
  const d = await getJson(`/v1/departments/${enc(id)}`);
  if (ctx.stale()) return;
  const functions = Object.entries(d.matrix || {});
  add(root, 
    crumbs(["#/departments", "課の一覧"], [null, d.label]),
    h("h1", { tabindex: "-1", id: "department-title" }, d.label),
    facts([
      ["部", d.division],
      ["別名", joinJa(d.aliases || [])],
      ["計画の節", joinJa(d.source || [])],
    ]),
    h("h2", {}, `業務(${(d.duties || []).length}件)`),
    (d.duties || []).length ? list(d.duties, (x) => x, { id: "duties" }) : h("p", {}, "業務の記載はありません。"),
    h("h2", {}, "庁内連携体制での機能"),
    h(
      "ul",
      { class: "legend", id: "department-functions" },
      functions.map(([name, on]) => h("li", {}, on ? badge(`○ ${name}`, "ok") : badge(`— ${name}(なし)`))),
    ),
    h("p", {}, link("#/matrix", "連携マトリクス全体を見る")),
    h("h2", {}, `所管する事業(${(d.programs || []).length}件)`),
    (d.programs || []).length
      ? list(d.programs, (p) => link(`#/programs/${enc(p.id)}`, p.label))
      : h("p", {}, "この課が所管する実施事業はありません。"),
  );
}

// ---- 連携マトリクス ------------------------------------------------------------------------------------------

export async function matrixView(root, ctx) {
  const matrix = await catalog("/v1/matrix");
  if (ctx.stale()) return;
  const fns = matrix.functions;
  const colTotals = fns.map((f) => matrix.rows.filter((r) => r.cells[f]).length);
  const n = matrix.rows.length;
  const level = (count, of) => (count === 0 ? 0 : Math.max(1, Math.round((count / of) * 4)));
  add(root, 
    h("h1", { tabindex: "-1" }, "連携マトリクス"),
    h(
      "p",
      { class: "lead" },
      `庁内連携体制${cite(matrix.source)}: ${n} の課が、どの機能で重層的支援に関わるか。色の濃いマスが「○」(関わる)です。`,
    ),
    h(
      "ul",
      { class: "legend", "aria-label": "凡例" },
      h("li", {}, h("span", { class: "swatch heat-4", "aria-hidden": "true" }), "○ 関わる"),
      h("li", {}, h("span", { class: "swatch heat-0", "aria-hidden": "true" }), "— 関わらない"),
      h("li", {}, "「計」の色: 関わる機能が多いほど濃い"),
    ),
    scrollable(
      "連携マトリクスの表",
      h(
        "table",
        { class: "matrix", id: "matrix-table" },
        h("caption", {}, "課 × 機能(○ = 関わる)"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "課"),
            fns.map((f) => h("th", { scope: "col" }, f)),
            h("th", { scope: "col", class: "total" }, "計"),
          ),
        ),
        h(
          "tbody",
          {},
          matrix.rows.map((r) => {
            const count = fns.filter((f) => r.cells[f]).length;
            return h(
              "tr",
              {},
              h("th", { scope: "row" }, link(`#/departments/${enc(r.department.id)}`, r.department.label)),
              fns.map((f) =>
                r.cells[f]
                  ? h("td", { class: "cell on" }, h("span", { "aria-hidden": "true" }, "○"), visuallyHidden("関わる"))
                  : h("td", { class: "cell off" }, h("span", { "aria-hidden": "true" }, "—"), visuallyHidden("関わらない")),
              ),
              h("td", { class: `total heat-${level(count, fns.length)}` }, String(count)),
            );
          }),
        ),
        h(
          "tfoot",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "row" }, "課の数"),
            colTotals.map((c) => h("td", { class: `total heat-${level(c, n)}` }, String(c))),
            h("td", { class: "total" }, String(colTotals.reduce((a, b) => a + b, 0))),
          ),
        ),
      ),
    ),
  );
}

// ---- 会議体 ---------------------------------------------------------------------------------------------------

function meetingFacts(m, cls = "facts") {
  return facts(
    [
    ["目的", (m.purpose || []).length ? list(m.purpose) : null],
    ["内容", (m.content || []).length ? list(m.content) : null],
    [
      "構成員",
      (m.members || []).length
        ? joinJa(m.members)
        : [m.member_description || "", m.members_from ? [" (", link(`#/meetings/${enc(m.members_from.id)}`, m.members_from.label), "の構成員から)"] : null],
    ],
    ["開催頻度", m.frequency],
    ["本人の同意", m.requires_consent == null ? badge("不明") : m.requires_consent ? badge("必要", "warn") : badge("不要")],
    ["守秘義務", m.confidentiality_duty === true ? badge("あり", "info") : m.confidentiality_duty === false ? "なし" : null],
    ["根拠法令", m.legal_basis ? badge(m.legal_basis, "legal") : null],
    ["別名", joinJa(m.aliases || [])],
    ["移行期の名称", m.transitional_label],
    ["計画の節", joinJa(m.source || [])],
    ],
    cls,
  );
}

export async function meetingsView(root, ctx) {
  const { meetings, source } = await catalog("/v1/meetings");
  if (ctx.stale()) return;
  add(root, 
    h("h1", { tabindex: "-1" }, "会議体"),
    h("p", { class: "lead" }, `推進体制と個別ケースの検討のための会議 ${meetings.length}件${cite(source)}。`),
    h(
      "ul",
      { class: "cards", id: "meetings-list" },
      meetings.map((m) =>
        h(
          "li",
          { class: "card kind-meeting" },
          h("h2", {}, link(`#/meetings/${enc(m.id)}`, m.label)),
          meetingFacts(m, ""),
        ),
      ),
    ),
  );
}

export async function meetingView(root, ctx, id) {
  const m = await getJson(`/v1/meetings/${enc(id)}`);
  if (ctx.stale()) return;
  add(root, crumbs(["#/meetings", "会議体"], [null, m.label]), h("h1", { tabindex: "-1" }, m.label), meetingFacts(m));
}

// ---- スケジュール ---------------------------------------------------------------------------------------------

const STATUS_CLASS = {
  本格実施: "status-full",
  移行準備事業: "status-transition",
  実施体制の検討: "status-design",
  既存事業の継続: "status-existing",
};

function subjectLink(s) {
  if (s.id.startsWith("prog-")) return link(`#/programs/${enc(s.id)}`, s.label);
  if (s.id.startsWith("mtg-")) return link(`#/meetings/${enc(s.id)}`, s.label);
  return s.label;
}

export async function scheduleView(root, ctx) {
  const schedule = await catalog("/v1/schedule");
  if (ctx.stale()) return;
  const years = schedule.fiscal_years;
  const current = fiscalYearOf(new Date());
  const span = `${reiwa(years[0])}〜${reiwa(years[years.length - 1])}`;
  const phaseCells = (row) => {
    const cells = [];
    let i = 0;
    while (i < years.length) {
      const statuses = (row.years || {})[years[i]] || [];
      const key = statuses.join("・");
      let j = i + 1;
      while (j < years.length && ((row.years || {})[years[j]] || []).join("・") === key) j += 1;
      const cls = statuses.length ? STATUS_CLASS[statuses[0]] || "status-existing" : "status-none";
      cells.push(
        h(
          "td",
          { class: `phase ${cls}`, colspan: j - i > 1 ? j - i : null },
          statuses.length ? key : "—",
          j - i > 1 && statuses.length ? h("span", { class: "arrow", "aria-hidden": "true" }, "◀────▶") : null,
          j - i > 1 ? visuallyHidden(`(${reiwa(years[i])}から${reiwa(years[j - 1])}まで)`) : null,
        ),
      );
      i = j;
    }
    return cells;
  };
  add(root, 
    h("h1", { tabindex: "-1" }, "スケジュール"),
    h("p", { class: "lead" }, `${span}の実施スケジュール${cite(schedule.source)}。同じ状態が続く年度はまとめて表示します。`),
    h(
      "ul",
      { class: "legend", "aria-label": "凡例" },
      Object.entries(STATUS_CLASS).map(([label, cls]) =>
        h("li", {}, h("span", { class: `swatch phase ${cls}`, "aria-hidden": "true" }), label),
      ),
    ),
    scrollable(
      "スケジュールの表",
      h(
        "table",
        { class: "timeline", id: "schedule-table" },
        h("caption", {}, `実施スケジュール(${span})`),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "項目"),
            years.map((y) =>
              h("th", { scope: "col", class: y === current ? "year current" : "year" }, reiwa(y), h("br"), `(${y}年度)`, y === current ? [h("br"), "今年度"] : null),
            ),
            h("th", { scope: "col" }, "主な取組"),
          ),
        ),
        h(
          "tbody",
          {},
          schedule.rows.map((r) =>
            h(
              "tr",
              {},
              h(
                "th",
                { scope: "row" },
                r.label,
                (r.subjects || []).some((s) => s.id.startsWith("prog-") || s.id.startsWith("mtg-"))
                  ? h(
                      "span",
                      { class: "help" },
                      (r.subjects || [])
                        .filter((s) => s.id.startsWith("prog-") || s.id.startsWith("mtg-"))
                        .flatMap((s, i) => [i ? "、" : null, subjectLink(s)]),
                    )
                  : null,
              ),
              phaseCells(r),
              h("td", {}, joinJa(r.main_activities || []) || "—"),
            ),
          ),
        ),
      ),
    ),
  );
}
