// 相談の振り分け (POST /v1/route) and つなぎシート (a print-ready referral sheet built in the browser).
//
// The household lives only in this module's memory while the page is open: no localStorage, no sessionStorage,
// no cookies, no URL parameters. Reloading the page, pressing 「新しい相談」 or choosing another municipality
// forgets it (a result from one municipality's plan is never shown under another's name).

import { ApiError, catalog, currentMunicipality, postJson } from "./api.js";
import { add, badge, clear, facts, h, jaDate, joinJa, link, reiwa, todayIso } from "./dom.js";
import { consentChoices, needLabel, rulesGlossary, whyBlock } from "./why.js";
import { memberEditor, membersPanel, membersToSend } from "./members.js";

const FIELD_ORDER = ["高齢", "障がい", "子ども", "生活困窮"];
const GROUPS = [
  ["高齢", "高齢"],
  ["障がい", "障がい"],
  ["子ども", "子ども"],
  ["生活困窮", "生活困窮"],
  ["multi", "複数の分野にまたがる"],
  ["any", "分野を問わない(属性不問)"],
];
const MAX_NEEDS = 30;

function freshHousehold() {
  return {
    selected: new Set(),
    freeTexts: [],
    members: [], // 世帯員 rows as typed: {label, age, needs}
    consent: "unknown",
    asOf: todayIso(),
    result: null,
    at: null,
    municipality: null, // the municipality whose plan gave the result
  };
}

export const household = freshHousehold();

/** Forgets the household: its needs, its answers and its result. */
export function forgetHousehold() {
  Object.assign(household, freshHousehold());
}

/** The result in memory, if it is the chosen municipality's. */
export function currentResult() {
  const here = currentMunicipality();
  const from = household.municipality;
  return household.result && from && here && from.code === here.code ? household.result : null;
}

function groupOf(need) {
  const specific = (need.fields || []).filter((f) => FIELD_ORDER.includes(f));
  if (specific.length === 1) return specific[0];
  if (specific.length > 1) return "multi";
  return "any";
}

/** Text folded for finding: full-width letters and digits made plain (NFKC), katakana read as hiragana. */
function foldKana(text) {
  return text.normalize("NFKC").toLowerCase().replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

export async function consultView(root, ctx) {
  const { needs } = await catalog("/v1/needs");
  if (ctx.stale()) return;
  const byId = new Map(needs.map((n) => [n.id, n]));
  const exact = new Map();
  for (const n of needs) {
    for (const text of [n.label, ...(n.alt_labels || [])]) if (!exact.has(text)) exact.set(text, n.id);
  }

  const summary = h("p", { class: "selected-summary", id: "selected-summary", "aria-live": "polite" });
  const updateSummary = () => {
    const chosen = [...household.selected].map((id) => (byId.get(id) || { label: id }).label);
    const all = [...chosen, ...household.freeTexts.map((t) => `「${t}」`)];
    summary.textContent = all.length ? `選択中(${all.length}件): ${joinJa(all)}` : "選択中: なし";
  };

  // The checklist, grouped by field.
  const groups = new Map(GROUPS.map(([key]) => [key, []]));
  for (const need of needs) groups.get(groupOf(need)).push(need);
  const checkboxes = new Map();
  const groupSets = GROUPS.filter(([key]) => groups.get(key).length).map(([key, title]) => {
    const items = groups.get(key).sort((a, b) => a.label.localeCompare(b.label, "ja"));
    return h(
      "details",
      { class: `need-group group-${key === "multi" || key === "any" ? key : FIELD_ORDER.indexOf(key)}`, open: true },
      h("summary", { class: "need-group-title" }, `${title}(${items.length})`),
      h(
        "ul",
        { class: "need-list" },
        items.map((need) => {
          const id = `need-${need.id}`;
          const box = h("input", {
            type: "checkbox",
            id,
            name: "need",
            value: need.id,
            checked: household.selected.has(need.id),
            onchange: (event) => {
              if (event.target.checked) household.selected.add(need.id);
              else household.selected.delete(need.id);
              updateSummary();
            },
          });
          checkboxes.set(need.id, box);
          const specific = (need.fields || []).filter((f) => FIELD_ORDER.includes(f));
          return h(
            "li",
            { "data-words": foldKana([need.label, ...(need.alt_labels || [])].join("\n")) },
            h(
              "label",
              { for: id },
              box,
              need.label,
              key === "multi" ? h("span", { class: "fields" }, `(${specific.join("・")})`) : null,
            ),
          );
        }),
      ),
    );
  });

  // Finding a need: the filter keeps the items whose label or other wordings (the thesaurus's) contain the typed
  // text, katakana read as hiragana; the groups with none are hidden and the others opened.
  const filterCount = h("span", { class: "help", id: "need-filter-count", "aria-live": "polite" });
  const filterInput = h("input", {
    type: "search",
    id: "need-filter",
    autocomplete: "off",
    maxlength: 50,
    "aria-describedby": "need-filter-count",
    oninput: (event) => {
      const typed = foldKana(event.target.value.trim());
      let shown = 0;
      for (const group of groupSets) {
        let inGroup = 0;
        for (const item of group.querySelectorAll("li")) {
          const match = !typed || item.dataset.words.includes(typed);
          item.hidden = !match;
          if (match) inGroup += 1;
        }
        group.hidden = inGroup === 0;
        if (typed && inGroup) group.open = true;
        shown += inGroup;
      }
      filterCount.textContent = typed ? `${shown}件が当てはまります。` : "";
    },
  });

  // Free text with thesaurus suggestions.
  const datalist = h(
    "datalist",
    { id: "need-suggestions" },
    [...exact.keys()].sort((a, b) => a.localeCompare(b, "ja")).map((text) => h("option", { value: text })),
  );
  const freeInput = h("input", {
    type: "text",
    id: "free-text",
    list: "need-suggestions",
    autocomplete: "off",
    maxlength: 200,
    "aria-describedby": "free-text-help",
  });
  const chips = h("ul", { class: "chips", id: "free-list", "aria-label": "入力した言葉" });
  const renderChips = () => {
    clear(chips);
    household.freeTexts.forEach((text, index) => {
      add(chips, 
        h(
          "li",
          { class: "chip" },
          text,
          h(
            "button",
            {
              type: "button",
              "aria-label": `「${text}」を取り消す`,
              onclick: () => {
                household.freeTexts.splice(index, 1);
                renderChips();
                updateSummary();
                freeInput.focus();
              },
            },
            "×",
          ),
        ),
      );
    });
  };
  const addFree = () => {
    const text = freeInput.value.trim();
    if (!text) return false;
    const known = exact.get(text);
    if (known && checkboxes.has(known)) {
      household.selected.add(known);
      checkboxes.get(known).checked = true;
      ctx.announce(`「${byId.get(known).label}」にチェックを入れました。`);
    } else if (!household.freeTexts.includes(text)) {
      household.freeTexts.push(text);
      renderChips();
      ctx.announce(`「${text}」を追加しました。`);
    }
    freeInput.value = "";
    updateSummary();
    return true;
  };
  freeInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing && freeInput.value.trim()) {
      event.preventDefault();
      addFree();
    }
  });

  const members = memberEditor(household.members, "need-suggestions", ctx.announce);
  const consentInputs = consentChoices().map(({ value, label }) =>
    h(
      "label",
      { for: `consent-${value}` },
      h("input", {
        type: "radio",
        name: "consent",
        id: `consent-${value}`,
        value,
        checked: household.consent === value,
        onchange: () => {
          household.consent = value;
        },
      }),
      label,
    ),
  );
  const dateInput = h("input", {
    type: "date",
    id: "as-of",
    value: household.asOf,
    required: true,
    "aria-describedby": "as-of-help",
    oninput: (event) => {
      household.asOf = event.target.value;
    },
  });
  const formError = h("p", { class: "error-text", id: "route-form-error", role: "alert" });
  const results = h("section", { class: "results", id: "route-results", "aria-labelledby": "route-results-title" });

  const form = h(
    "form",
    { class: "panel", id: "route-form", novalidate: true },
    h(
      "fieldset",
      { id: "need-checklist" },
      h("legend", {}, "困りごと(分野ごと。当てはまるものをすべて選ぶ)"),
      h(
        "div",
        { class: "field need-filter" },
        h("label", { for: "need-filter" }, "一覧を絞り込む(言葉の一部)"),
        filterInput,
        filterCount,
      ),
      h("div", { class: "need-groups" }, groupSets),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "free-text" }, "住民の言葉で追加(任意)"),
      h(
        "div",
        { class: "actions" },
        freeInput,
        h("button", { type: "button", id: "free-add", onclick: () => addFree() || freeInput.focus() }, "追加"),
      ),
      h(
        "span",
        { class: "help", id: "free-text-help" },
        "候補から選ぶか、聞いた言葉のまま入力して「追加」を押します。一覧と同じ言葉なら、その項目にチェックが入ります。",
      ),
      datalist,
      chips,
    ),
    members.element,
    h(
      "div",
      { class: "row" },
      h("fieldset", { class: "radio-row" }, h("legend", {}, "本人の同意"), consentInputs),
      h(
        "div",
        { class: "field" },
        h("label", { for: "as-of" }, "基準日"),
        dateInput,
        h("span", { class: "help", id: "as-of-help" }, "この日に実施している事業で答えます(準備中の事業は別に示します)。"),
      ),
    ),
    summary,
    formError,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", id: "route-submit" }, "振り分ける"),
      h(
        "button",
        {
          type: "button",
          id: "route-clear",
          onclick: () => {
            forgetHousehold();
            ctx.announce("入力と結果を消去しました。");
            ctx.rerender();
          },
        },
        "新しい相談(入力と結果を消去)",
      ),
    ),
  );

  // 「もしかして」: a suggestion replaces the words that named nothing by the need it offers, and routes again.
  const useSuggestion = (input, needId) => {
    const at = household.freeTexts.indexOf(input);
    if (at >= 0) household.freeTexts.splice(at, 1);
    household.selected.add(needId);
    if (checkboxes.has(needId)) checkboxes.get(needId).checked = true;
    renderChips();
    updateSummary();
    ctx.announce(`「${(byId.get(needId) || { label: needId }).label}」にチェックを入れて、振り分け直します。`);
    form.requestSubmit();
  };

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    addFree();
    formError.textContent = "";
    for (const row of members.inputs) row.age.removeAttribute("aria-invalid");
    const needsSent = [...household.selected, ...household.freeTexts];
    const sending = membersToSend(household.members, members.inputs);
    if (sending.error) {
      if (sending.input) {
        sending.input.setAttribute("aria-invalid", "true");
        sending.input.focus();
      }
      formError.textContent = sending.error;
      return;
    }
    const memberNeeds = sending.members.reduce((n, m) => n + (m.needs || []).length, 0);
    if (!needsSent.length && !memberNeeds) {
      formError.textContent = "困りごとを1つ以上選ぶか、言葉で入力してください。";
      return;
    }
    if (needsSent.length + memberNeeds > MAX_NEEDS) {
      formError.textContent = `困りごとは${MAX_NEEDS}件までです(現在 ${needsSent.length + memberNeeds}件)。`;
      return;
    }
    const consent = { yes: true, no: false, unknown: null }[household.consent];
    const body = { needs: needsSent, members: sending.members, consent, as_of: household.asOf || null };
    busy = true;
    results.setAttribute("aria-busy", "true");
    ctx.announce("振り分けています…");
    const asked = currentMunicipality();
    try {
      const result = await postJson("/v1/route", body);
      if (currentMunicipality() !== asked) return; // another municipality was chosen meanwhile: not its answer
      household.result = result;
      household.municipality = asked;
      household.at = new Date();
      renderResult(results, household.result, useSuggestion);
      ctx.announce("振り分けの結果を表示しました。");
      const title = results.querySelector("h2");
      if (title) title.focus();
    } catch (error) {
      if (currentMunicipality() !== asked) return;
      household.result = null;
      showError(results, error);
      ctx.announce("振り分けできませんでした。");
    } finally {
      busy = false;
      results.removeAttribute("aria-busy");
    }
  });

  add(root, 
    h("h1", { tabindex: "-1" }, "相談の振り分け"),
    h(
      "p",
      { class: "lead" },
      "相談者の困りごとを選ぶと、つなぐ事業・担当課・支援機関・会議と、その理由(計画の節・法令・ルール)を示します。入力した内容はサーバーにもこの端末にも保存されません。",
    ),
    form,
    results,
  );
  renderChips();
  updateSummary();
  if (currentResult()) renderResult(results, household.result, useSuggestion);
}

export function showError(target, error) {
  clear(target);
  const e = error instanceof ApiError ? error : new ApiError(0, { message: String(error && error.message) });
  add(target, 
    h(
      "div",
      { class: "box bad", role: "alert" },
      h("p", {}, h("strong", {}, e.message)),
      e.where ? h("p", { class: "small" }, `場所: ${e.where}`) : null,
      e.hint ? h("p", { class: "small" }, `対処: ${e.hint}`) : null,
    ),
  );
}

function legalBadges(items) {
  return (items || []).map((item) => badge(item, "legal"));
}

function deptLinks(departments) {
  const links = (departments || []).map((d) => link(`#/departments/${encodeURIComponent(d.id)}`, d.label));
  return links.flatMap((a, i) => (i ? ["、", a] : [a]));
}

function card(kind, title, factPairs, whys) {
  return h("li", { class: `card kind-${kind}` }, h("h4", {}, title), facts(factPairs, ""), whyBlock(whys));
}

function programCard(p) {
  return card(
    "program",
    link(`#/programs/${encodeURIComponent(p.id)}`, p.label),
    [
      ["根拠法令", legalBadges(p.legal_basis)],
      ["役割", p.role],
      ["所管課", deptLinks(p.departments)],
      ["実施主体", joinJa((p.operators || []).map((o) => o.label))],
      ["計画の節", p.source],
    ],
    p.why,
  );
}

function departmentCard(d) {
  return card(
    "department",
    link(`#/departments/${encodeURIComponent(d.id)}`, d.label),
    [
      ["役割", d.role],
      ["連携の機能", (d.functions || []).map((f) => badge(f, "info"))],
    ],
    d.why,
  );
}

function bodyCard(b) {
  return card("body", b.label, [["役割", b.role]], b.why);
}

function meetingCard(m) {
  return card(
    "meeting",
    link(`#/meetings/${encodeURIComponent(m.id)}`, m.label),
    [
      ["役割", m.role],
      ["根拠法令", legalBadges(m.legal_basis)],
    ],
    m.why,
  );
}

function plannedHref(item) {
  if (item.kind === "meeting" || String(item.id).startsWith("mtg-")) return `#/meetings/${encodeURIComponent(item.id)}`;
  if (item.kind === "program" || String(item.id).startsWith("prog-")) return `#/programs/${encodeURIComponent(item.id)}`;
  return null;
}

function plannedCard(item) {
  const href = plannedHref(item);
  const from = item.operating_from_fiscal_year ? `${reiwa(item.operating_from_fiscal_year)}から実施予定` : "未定";
  return card(
    "planned",
    [href ? link(href, item.label) : item.label, " ", badge("準備中", "warn")],
    [
      ["いまの状況", item.status ? badge(item.status, "warn") : "—"],
      ["実施の開始", from],
      ["役割", item.role],
      ["根拠法令", legalBadges(item.legal_basis)],
    ],
    item.why,
  );
}

const SECTIONS = [
  ["programs", "つなぐ事業", programCard, "該当する事業はありません。"],
  ["departments", "担当課", departmentCard, "該当する課はありません。"],
  ["bodies", "支援機関", bodyCard, "該当する支援機関はありません。"],
  ["meetings", "開く会議", meetingCard, "会議の開催は不要と判断されました(多機関協働事業につながらないため)。"],
  ["planned", "準備中(基準日にはまだ実施していない)", plannedCard, "準備中の事業はありません。"],
];

/** The 「もしかして」 offers for one input that named nothing: buttons that choose the need instead. */
function offers(result, input, onSuggest) {
  const found = (result.suggestions || []).find((s) => s.input === input);
  const needs = found ? found.needs : [];
  if (!needs.length) return h("span", { class: "muted small" }, " 近い言葉は見つかりませんでした。");
  return h(
    "span",
    { class: "suggestions" },
    " もしかして: ",
    needs.map((need) =>
      h(
        "button",
        {
          type: "button",
          class: "suggestion",
          "data-need": need.id,
          title: need.matched && need.matched !== need.label ? `「${need.matched}」に近い` : "",
          onclick: () => onSuggest(input, need.id),
        },
        need.label,
      ),
    ),
  );
}

/** The result in three lines, read before the cards: the first programme of the answer (the answer lists them in
 * the plan's order, the entry programmes first) with its 所管課, who else, and the meetings with their conditions. */
function routeSummary(result) {
  const programs = result.programs || [];
  const first = programs[0];
  const owners = first ? (first.departments || []).map((d) => d.label) : [];
  const firstText = first ? `${first.label}${owners.length ? `(所管課: ${joinJa(owners)})` : ""}` : "";
  const others = [
    ...programs.slice(1).map((p) => p.label),
    ...(result.departments || []).filter((d) => !owners.includes(d.label)).map((d) => d.label),
    ...(result.bodies || []).map((b) => b.label),
  ];
  if (!first && others.length) others.shift();
  const startText = firstText || ((result.departments || [])[0] || {}).label || "";
  const meetings = (result.meetings || []).map((m) => {
    const conditions = [...new Set((m.why || []).map((w) => w.condition).filter(Boolean))];
    return conditions.length ? `${m.label}(${joinJa(conditions)})` : m.label;
  });
  const step = (title, text) => h("li", {}, h("strong", {}, `${title}: `), text);
  return h(
    "section",
    { class: "panel route-summary", id: "route-summary", "aria-labelledby": "route-summary-title" },
    h("h3", { id: "route-summary-title" }, "まとめ(この順につなぐ)"),
    h(
      "ol",
      {},
      step("まずつなぐ先", startText || "なし"),
      step("あわせてつなぐ先", others.length ? joinJa(others) : "なし"),
      step("開く会議", meetings.length ? joinJa(meetings) : "なし"),
    ),
  );
}

function renderResult(target, result, onSuggest) {
  clear(target);
  const fy = result.fiscal_year;
  const recognised = (result.needs || []).map((n) =>
    n.input === n.id || n.input === n.label
      ? h("li", {}, h("strong", {}, n.label))
      : h("li", {}, `「${n.input}」→ `, h("strong", {}, n.label), n.matched && n.matched !== n.input ? h("span", { class: "muted small" }, `(「${n.matched}」として一致)`) : null),
  );
  const whys = [];
  for (const [key] of SECTIONS) for (const item of result[key] || []) for (const w of item.why || []) whys.push(w);

  add(target, 
    h("h2", { id: "route-results-title", tabindex: "-1" }, "振り分け結果"),
    h(
      "p",
      {},
      `基準日 ${jaDate(result.as_of)}(${fy ? reiwa(fy) : ""})・本人の同意: ${result.consent_label || result.consent}`,
      h("br"),
      h("span", { class: "muted small" }, result.plan || ""),
    ),
    result.notice ? h("div", { class: "box warn", id: "route-notice" }, h("strong", {}, "ご注意: "), result.notice) : null,
    (result.unmatched || []).length
      ? h(
          "div",
          { class: "box bad", id: "route-unmatched" },
          h("h3", {}, `当てはまらなかった入力(${result.unmatched.length}件)`),
          h("p", {}, "次の言葉は、どの困りごとにも結びつけられませんでした。候補を選ぶか、別の言い方で入力するか、一覧から選んでください。"),
          h("ul", {}, result.unmatched.map((u) => h("li", {}, `「${u}」`, offers(result, u, onSuggest)))),
        )
      : null,
    result.fallback
      ? h(
          "div",
          { class: "box warn", id: "route-fallback" },
          h("strong", {}, "特定の困りごとが見つかりませんでした。"),
          "どんな相談も受け止める窓口とその担当課を示します(理由は各カードにあります)。",
        )
      : null,
    routeSummary(result),
    h(
      "div",
      { class: "panel", id: "route-needs" },
      h("h3", {}, `受け止めた困りごと(${(result.needs || []).length}件)`),
      recognised.length ? h("ul", {}, recognised) : h("p", {}, "なし"),
    ),
    membersPanel(result),
    SECTIONS.map(([key, title, render, empty]) => {
      const items = result[key] || [];
      return h(
        "section",
        { class: "result-section", id: `result-${key}`, "aria-labelledby": `result-${key}-title` },
        h("h3", { id: `result-${key}-title` }, `${title}(${items.length})`),
        items.length ? h("ul", { class: "cards" }, items.map(render)) : h("p", { class: "muted" }, empty),
      );
    }),
    rulesGlossary(whys),
    h(
      "div",
      { class: "actions no-print" },
      h("a", { href: "#/sheet", id: "make-sheet", class: "button-link" }, "つなぎシートを作る(印刷用)"),
    ),
  );
}
