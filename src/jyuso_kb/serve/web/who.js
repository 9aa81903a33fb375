// 誰が担当? — departments ranked for a question in residents' words. POST /v1/who-handles keeps the question out of
// URLs, logs and the browser history.

import { currentMunicipality, postJson } from "./api.js";
import { add, badge, clear, h, link } from "./dom.js";
import { showError } from "./consult.js";
import { whyBlock } from "./why.js";

const KINDS = { department: "課", program: "事業", meeting: "会議", body: "支援機関" };

const last = { q: "", result: null };

/** Forgets the question and its answer (another municipality was chosen). */
export function forgetQuestion() {
  last.q = "";
  last.result = null;
}

export async function whoView(root, ctx) {
  const input = h("input", {
    type: "search",
    id: "who-q",
    name: "q",
    autocomplete: "off",
    maxlength: 200,
    required: true,
    value: last.q,
    "aria-describedby": "who-help",
    oninput: (event) => {
      last.q = event.target.value;
    },
  });
  const results = h("section", { class: "results", id: "who-results", "aria-labelledby": "who-results-title" });
  const formError = h("p", { class: "error-text", role: "alert" });
  const form = h(
    "form",
    { class: "panel", id: "who-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "who-q" }, "住民の言葉での質問・困りごと"),
      h("div", { class: "actions" }, input, h("button", { type: "submit", class: "primary", id: "who-submit" }, "探す")),
      h("span", { class: "help", id: "who-help" }, "例: 「隣の空き家が心配」「税金が払えない」「息子が家から出ない」"),
    ),
    formError,
  );
  // 「もしかして」: a suggestion is asked as the question.
  const ask = (q) => {
    input.value = q;
    last.q = q;
    form.requestSubmit();
  };
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    formError.textContent = "";
    if (!q) {
      formError.textContent = "質問を入力してください。";
      input.focus();
      return;
    }
    if (busy) return;
    busy = true;
    ctx.announce("探しています…");
    const asked = currentMunicipality();
    try {
      const result = await postJson("/v1/who-handles", { q });
      if (currentMunicipality() !== asked) return; // another municipality was chosen meanwhile
      last.result = result;
      render(results, last.result, ask);
      ctx.announce(`担当課の候補を${last.result.results.length}件表示しました。`);
      results.querySelector("h2").focus();
    } catch (error) {
      if (currentMunicipality() === asked) showError(results, error);
    } finally {
      busy = false;
    }
  });
  add(root, 
    h("h1", { tabindex: "-1" }, "誰が担当?"),
    h(
      "p",
      { class: "lead" },
      "住民が話した言葉のまま入力すると、担当する課を関連の強い順に示します。質問はURLや履歴に残りません。",
    ),
    form,
    results,
  );
  if (last.result) render(results, last.result, ask);
}

/** What the question named: a department, programme, meeting or support body, and whose it is. */
function namedBlock(named) {
  if (!(named || []).length) return null;
  return h(
    "div",
    { class: "panel", id: "who-named" },
    h("h3", {}, "質問に名前が出てきたもの"),
    h(
      "ul",
      {},
      named.map((n) =>
        h(
          "li",
          {},
          badge(KINDS[n.kind] || n.kind, "info"),
          " ",
          h("strong", {}, n.label),
          n.matched && n.matched !== n.label ? h("span", { class: "muted small" }, `(「${n.matched}」として)`) : null,
          n.kind === "department" ? null : ` — 担当: ${n.departments.map((d) => d.label).join("、")}`,
        ),
      ),
    ),
  );
}

/** 「もしかして」: the closest labels, each a button that asks it as the question. */
function suggestionsBlock(suggestions, ask) {
  if (!(suggestions || []).length) return null;
  return h(
    "p",
    { class: "suggestions", id: "who-suggestions" },
    h("strong", {}, "もしかして: "),
    suggestions.map((s) =>
      h("button", { type: "button", class: "suggestion", "data-need": s.id, onclick: () => ask(s.label) }, s.label),
    ),
  );
}

function render(target, data, ask) {
  clear(target);
  const max = Math.max(...data.results.map((r) => r.score), 0.0001);
  add(target, h("h2", { id: "who-results-title", tabindex: "-1" }, `「${data.query}」の担当課の候補`));
  if ((data.needs || []).length) {
    add(target, 
      h("p", {}, "読み取った困りごと: ", data.needs.map((n) => badge(n.label, "info"))),
    );
  }
  if ((data.unmatched || []).length) {
    add(target, 
      h(
        "div",
        { class: "box bad", id: "who-unmatched" },
        h("p", {}, h("strong", {}, "当てはまる困りごとが見つからなかった言葉: "), data.unmatched.map((u) => `「${u}」`).join("、")),
        h("p", { class: "small" }, "候補を選ぶか、別の言い方で試すか、「相談の振り分け」で一覧から選んでください。"),
        suggestionsBlock(data.suggestions, ask),
      ),
    );
  }
  add(target, namedBlock(data.named));
  if (data.fallback) {
    add(target,
      h(
        "div",
        { class: "box warn", id: "who-fallback" },
        h("strong", {}, "特定の困りごとが見つかりませんでした。"),
        "どんな相談も受け止める窓口とその担当課を示します。",
      ),
    );
  }
  if (!data.results.length) {
    add(target, h("p", {}, "担当課の候補は見つかりませんでした。"));
    return;
  }
  add(target, 
    h(
      "ol",
      { class: "ranked", id: "who-list" },
      data.results.map((r, index) =>
        h(
          "li",
          { class: "card kind-department" },
          h(
            "h3",
            {},
            h("span", { class: "rank" }, `${index + 1}位`),
            link(`#/departments/${encodeURIComponent(r.department.id)}`, r.department.label),
          ),
          h(
            "p",
            { class: "small muted" },
            `関連の強さ ${Math.round((r.score / max) * 100)}(1位を100として)`,
            h("span", { class: "scorebar", "aria-hidden": "true", "data-width": Math.round((r.score / max) * 100) }),
          ),
          h(
            "ul",
            {},
            r.matched.map((m) =>
              m.named
                ? h("li", {}, badge(m.named_label, "info"), " ", m.why || "質問に名前が出てきた課です。")
                : h(
                    "li",
                    {},
                    badge(m.need_label, "info"),
                    badge(m.role),
                    " ",
                    m.why || `${r.department.label}は「${m.need_label}」に関わる事業の${m.role}です。`,
                  ),
            ),
          ),
          r.fallback ? whyBlock(r.why) : null,
        ),
      ),
    ),
  );
  // Bar widths set through the CSSOM (allowed by the page's CSP, unlike inline style attributes).
  for (const bar of target.querySelectorAll(".scorebar")) bar.style.width = `${Number(bar.dataset.width) * 0.06}rem`;
}
