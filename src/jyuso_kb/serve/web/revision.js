// 計画の改定: a revised plan file is sent to POST /v1/validate; the page shows the Japanese validation report and
// what differs from the active plan. Validation stores nothing. Policy staff may publish the file (POST
// /v1/revisions) with their token, typed into a password field for that one request and never kept by the page.
// The active plan and a blank one can be downloaded as workbooks (.xlsx).

import { ApiError, currentMunicipality, forgetCatalog, postFile, templateUrl, workbookUrl } from "./api.js";
import { add, badge, clear, h, joinJa, link } from "./dom.js";

const TYPES = {
  ttl: "text/turtle",
  jsonld: "application/ld+json",
  json: "application/ld+json",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  zip: "application/zip",
};
const NOT_ACCEPTED = ["xls", "csv", "ods"];
const SEVERITY = {
  violation: ["違反", "bad"],
  warning: ["警告", "warn"],
  info: ["情報", "info"],
  error: ["エラー", "bad"],
};

const last = { name: "", report: null, municipality: null };

/** Forgets the last report (another municipality was chosen). */
export function forgetReport() {
  Object.assign(last, { name: "", report: null, municipality: null });
}

/** Where an upload's error is, in the user's terms: the API's "body:2:22" (line 2, column 22 of what was sent) is
 * line 2 of the file chosen. */
function place(where, name) {
  const at = /^body:(\d+)(?::\d+)?$/.exec(where || "");
  if (at) return `${name} の ${at[1]} 行目`;
  if (where === "body") return name;
  return where;
}

function showUploadError(target, error, name) {
  clear(target);
  const e = error instanceof ApiError ? error : new ApiError(0, { message: String(error && error.message) });
  add(target, 
    h(
      "div",
      { class: "box bad", role: "alert", id: "revision-failure" },
      h("p", {}, h("strong", {}, e.message)),
      e.where ? h("p", { class: "small", id: "revision-failure-place" }, `場所: ${place(e.where, name)}`) : null,
      e.hint ? h("p", { class: "small" }, `対処: ${e.hint}`) : null,
    ),
  );
}

export async function revisionView(root, ctx) {
  const town = currentMunicipality();
  const fileInput = h("input", {
    type: "file",
    id: "revision-file",
    name: "revision",
    accept: ".ttl,.jsonld,.json,.xlsx,.zip,text/turtle,application/ld+json",
    required: true,
    "aria-describedby": "revision-help",
  });
  const tokenInput = h("input", {
    type: "password",
    id: "revision-token",
    name: "token",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "revision-token-help",
  });
  const results = h("section", { class: "results", id: "revision-results", "aria-labelledby": "revision-results-title" });
  const formError = h("p", { class: "error-text", id: "revision-error", role: "alert" });
  const publishError = h("p", { class: "error-text", id: "revision-publish-error", role: "alert" });
  const form = h(
    "form",
    { class: "panel", id: "revision-form", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "revision-file" }, "改定案のファイル"),
      fileInput,
      h(
        "span",
        { class: "help", id: "revision-help" },
        "ワークブック(.xlsx)、CSV のフォルダを zip にしたもの、Turtle(.ttl)または JSON-LD(.jsonld)。10 MiB まで。",
      ),
    ),
    formError,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "revision-submit" }, "検証する")),
  );
  const publishForm = h(
    "form",
    { class: "panel", id: "revision-publish-form", novalidate: true, "aria-labelledby": "revision-publish-title" },
    h("h2", { id: "revision-publish-title" }, "改定を公開する(政策担当者)"),
    h(
      "p",
      {},
      `上で選んだファイルを検証し、要件を満たしていれば新しい版として保存し、すぐに${town.name}の現在の計画にします。`,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "revision-token" }, "政策担当者のトークン"),
      tokenInput,
      h(
        "span",
        { class: "help", id: "revision-token-help" },
        "公開のたびに入力してください。トークンはこのページにもブラウザにも保存されず、送信後に入力欄から消えます。",
      ),
    ),
    publishError,
    h("div", { class: "actions" }, h("button", { type: "submit", id: "revision-publish" }, "公開する")),
  );

  // A new file, or a new upload, clears what the previous one showed, whether or not the new one is sent.
  const reset = () => {
    formError.textContent = "";
    publishError.textContent = "";
    clear(results);
    forgetReport();
  };
  fileInput.addEventListener("change", reset);

  // The chosen file and its media type, or null with the reason shown under ``shown``.
  const chosen = (shown) => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      shown.textContent = "ファイルを選んでください。";
      fileInput.focus();
      return null;
    }
    const ext = (file.name.split(".").pop() || "").toLowerCase();
    if (NOT_ACCEPTED.includes(ext)) {
      shown.textContent = `${file.name}: この形式は受け付けません。Excel は .xlsx で保存し、CSV はフォルダごと zip にまとめてください。`;
      return null;
    }
    if (!TYPES[ext]) {
      shown.textContent = `${file.name}: この形式は受け付けません。.xlsx、.zip、.ttl、.jsonld のどれかを選んでください。`;
      return null;
    }
    return { file, type: TYPES[ext] };
  };

  let busy = false;
  const send = async (what, { working, done, failed }) => {
    busy = true;
    results.setAttribute("aria-busy", "true");
    add(clear(results), h("p", {}, working));
    ctx.announce(working);
    try {
      const answer = await what();
      if (currentMunicipality() !== town) return; // another municipality was chosen meanwhile
      done(answer);
      results.querySelector("h2").focus();
    } catch (error) {
      if (currentMunicipality() !== town) return;
      failed(error);
    } finally {
      busy = false;
      results.removeAttribute("aria-busy");
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    reset();
    const upload = chosen(formError);
    if (!upload) return;
    const { file, type } = upload;
    await send(() => postFile("/v1/validate", file, type), {
      working: "検証しています(数秒かかります)…",
      done: (report) => {
        Object.assign(last, { report, name: file.name, municipality: town });
        render(results, report, file.name, town);
        ctx.announce(report.conforms ? "検証の結果: 問題はありません。" : "検証の結果: 直すべき点があります。");
      },
      failed: (error) => {
        showUploadError(results, error, file.name);
        ctx.announce("検証できませんでした。");
      },
    });
  });

  publishForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    reset();
    const token = tokenInput.value.trim();
    tokenInput.value = ""; // used for this one request only
    const upload = chosen(publishError);
    if (!upload) return;
    if (!token) {
      publishError.textContent = "政策担当者のトークンを入力してください。";
      tokenInput.focus();
      return;
    }
    const { file, type } = upload;
    await send(() => postFile("/v1/revisions", file, type, token), {
      working: "検証して公開しています(十数秒かかることがあります)…",
      done: (answer) => {
        forgetCatalog(); // the other pages read the new revision
        published(results, answer, file.name, town);
        ctx.announce("公開しました。");
      },
      failed: (error) => {
        if (error instanceof ApiError && error.report) {
          render(results, error.report, file.name, town, "公開できませんでした: この改定案は計画の要件を満たしていません。");
        } else {
          showUploadError(results, error, file.name);
        }
        ctx.announce("公開できませんでした。");
      },
    });
  });

  add(root, 
    h("h1", { tabindex: "-1" }, "計画の改定"),
    h(
      "p",
      { class: "lead" },
      `改定案のファイルを選ぶと、計画の要件(SHACL と品質チェック)を満たすかを検証し、${town.name}の現在の計画との違いを示します。検証だけを行い、計画は変更されず、ファイルはサーバーに保存されません。`,
    ),
    h("h2", { id: "revision-target" }, `${town.name}の計画を検証`),
    form,
    h(
      "div",
      { class: "box info", id: "workbook-note" },
      h("h2", {}, "Excel・CSV の改定案について"),
      h(
        "p",
        {},
        "計画を表として書き出す(jyuso-kb workbook export)と、事業・課・マトリクス・会議・スケジュールなどのシートができます。編集した .xlsx、または CSV のフォルダを zip にしたものを選ぶと、違反ごとに「シート・行・列」を示します。",
      ),
      h(
        "ul",
        { class: "downloads", id: "revision-downloads" },
        h(
          "li",
          {},
          link(workbookUrl(), `${town.name}の現在の計画をワークブック(.xlsx)でダウンロード`, {
            id: "workbook-current",
            class: "button-link",
            download: "",
          }),
          h("span", { class: "help" }, "いまの計画の全シートです。編集して改定案にするときに使います。"),
        ),
        h(
          "li",
          {},
          link(templateUrl(), `${town.name}の空のワークブック(ひな形 .xlsx)をダウンロード`, {
            id: "workbook-template",
            class: "button-link",
            download: "",
          }),
          h("span", { class: "help" }, "説明シートと選択肢付きの空の表です。新しく計画を書き起こすときに使います。"),
        ),
      ),
    ),
    results,
    publishForm,
  );
  if (last.report && last.municipality === town) render(results, last.report, last.name, town);
}

function published(target, answer, name, town) {
  clear(target);
  const revision = answer.revision || {};
  add(target, 
    h("h2", { id: "revision-results-title", tabindex: "-1" }, `公開しました: ${name}`),
    h(
      "div",
      { class: "box ok", id: "revision-verdict" },
      h("strong", {}, `版 ${revision.id || answer.active} を公開し、${town.name}の現在の計画にしました。`),
    ),
    diffBlock(answer.diff, town, "公開前の計画との違い"),
  );
}

function findingsTable(findings) {
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": "指摘事項の表", tabindex: "0" },
    h(
      "table",
      { id: "findings-table" },
      h("caption", {}, `指摘事項(${findings.length}件)`),
      h("thead", {}, h("tr", {}, ["重大度", "対象", "内容", "場所", "直し方"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        findings.map((f) => {
          const [label, kind] = SEVERITY[f.severity] || [f.severity, ""];
          return h(
            "tr",
            {},
            h("td", {}, badge(label, kind)),
            h("td", {}, h("strong", {}, f.focus_label || f.focus), h("span", { class: "help" }, joinJa([f.focus_kind, f.path_label]))),
            h("td", { class: "finding-message" }, f.message, f.value_label ? h("span", { class: "help" }, `値: ${f.value_label}`) : null),
            h("td", { class: "finding-location" }, f.location || "—"),
            h("td", {}, f.hint || "—"),
          );
        }),
      ),
    ),
  );
}

function itemName(item) {
  return `${item.label || item.id}${item.type ? `(${item.type})` : ""}`;
}

function diffBlock(diff, town, title = `${town.name}の現在の計画との違い`) {
  if (!diff) return null;
  const s = diff.summary || { added: 0, removed: 0, changed: 0 };
  const affected = diff.affected || null;
  return h(
    "section",
    { id: "revision-diff", "aria-labelledby": "revision-diff-title" },
    h("h3", { id: "revision-diff-title" }, title),
    h("p", { id: "diff-summary" }, badge(`追加 ${s.added}件`, "ok"), badge(`削除 ${s.removed}件`, "bad"), badge(`変更 ${s.changed}件`, "warn")),
    (diff.added || []).length ? [h("h4", {}, "追加されたもの"), h("ul", {}, diff.added.map((i) => h("li", {}, itemName(i))))] : null,
    (diff.removed || []).length
      ? [h("h4", {}, "削除されたもの"), h("ul", {}, diff.removed.map((i) => h("li", {}, itemName(i))))]
      : null,
    (diff.changed || []).length
      ? [
          h("h4", {}, "変更されたもの"),
          diff.changed.map((item) =>
            h(
              "div",
              { class: "table-wrap", role: "region", "aria-label": `${item.label || item.id}の変更`, tabindex: "0" },
              h(
                "table",
                { class: "diff-changes" },
                h("caption", {}, itemName(item)),
                h("thead", {}, h("tr", {}, ["項目", "削除された値", "追加された値"].map((t) => h("th", { scope: "col" }, t)))),
                h(
                  "tbody",
                  {},
                  (item.changes || []).map((c) =>
                    h(
                      "tr",
                      {},
                      h("th", { scope: "row" }, c.property || c.property_id),
                      h("td", {}, joinJa(c.removed || []) || "(なし)"),
                      h("td", {}, joinJa(c.added || []) || "(なし)"),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ]
      : null,
    affected && ((affected.programs || []).length || (affected.departments || []).length)
      ? [
          h("h4", {}, "影響を受ける事業・課"),
          h("p", {}, joinJa([...(affected.programs || []), ...(affected.departments || [])].map((x) => x.label || x.id))),
        ]
      : null,
    !s.added && !s.removed && !s.changed ? h("p", {}, `${town.name}の現在の計画との違いはありません。`) : null,
  );
}

function render(target, report, name, town, refused = "") {
  clear(target);
  const findings = report.findings || [];
  const checks = report.checks || [];
  const count = (sev) => findings.filter((f) => f.severity === sev).length;
  add(target, 
    h("h2", { id: "revision-results-title", tabindex: "-1" }, `検証結果: ${name}`),
    refused ? h("div", { class: "box bad", role: "alert", id: "revision-failure" }, h("strong", {}, refused)) : null,
    report.conforms
      ? h("div", { class: "box ok", id: "revision-verdict" }, h("strong", {}, "この改定案は計画の要件を満たしています。"))
      : h(
          "div",
          { class: "box bad", id: "revision-verdict" },
          h("strong", {}, "この改定案には直すべき点があります。"),
          ` 違反 ${count("violation")}件・警告 ${count("warning")}件・品質チェック ${checks.length}件`,
        ),
    h(
      "p",
      { class: "small muted" },
      `改定案の版 ${report.revision || "—"} / ${town.name}の現在の版 ${report.active_revision || "—"}`,
    ),
    findings.length ? findingsTable(findings) : h("p", {}, "SHACL の指摘事項はありません。"),
    checks.length
      ? [
          h("h3", {}, `品質チェックで見つかった問題(${checks.length}件)`),
          h(
            "ul",
            { id: "checks-list" },
            checks.map((c) => {
              const [label, kind] = SEVERITY[c.severity] || [c.severity, ""];
              return h(
                "li",
                {},
                h("strong", {}, c.title || c.name),
                " ",
                badge(label, kind),
                c.hint ? h("span", { class: "help" }, `直し方: ${c.hint}`) : null,
                (c.rows || []).length
                  ? h("span", { class: "help" }, `該当: ${joinJa((c.row_labels || c.rows).map((r) => (Array.isArray(r) ? r.join(" ") : String(r))))}`)
                  : null,
              );
            }),
          ),
        ]
      : null,
    diffBlock(report.diff, town),
  );
}
