// つなぎシート: a one-page referral sheet (A4) built in the browser from the result in memory — the household's
// members and needs, consent, the date, and each receiving office with its contact (電話番号, 内線, 窓口 as the
// plan's data gives them; a line to write on where it gives none). Nothing is sent or stored.

import { currentResult, household } from "./consult.js";
import { add, h, jaDate, joinJa, link, reiwa } from "./dom.js";
import { ageMembers, householdNeeds, memberName, whoHas } from "./members.js";

function blank(cls = "blank") {
  return h("span", { class: cls });
}

/** One line per contact field: its label and value, or a line to write on. */
function contactCell(contact) {
  if (!contact || !contact.length) return h("td", { class: "contact" }, "—");
  return h(
    "td",
    { class: "contact" },
    contact.map((c) =>
      h("div", { class: "contact-line" }, `${c.label} `, c.value ? h("span", {}, c.value) : blank("blank short")),
    ),
  );
}

function reasonsOf(item) {
  return (item.why || [])
    .filter((w) => w.rule !== "responsible-department" && !(w.members || []).length)
    .map((w) => w.text)
    .filter((t, i, all) => t && all.indexOf(t) === i)
    .map((t) => (/[。.]$/.test(t) ? t : `${t}。`))
    .join("");
}

/** Who a row is for: 「母(82歳): 介護予防」 per person; needs no member was given are the household's (世帯). */
function whoCell(result, items) {
  const owners = whoHas(result);
  const labels = new Map((result.needs || []).map((n) => [n.id, n.label]));
  const people = new Map();
  const put = (name, text) => {
    if (!people.has(name)) people.set(name, []);
    if (!people.get(name).includes(text)) people.get(name).push(text);
  };
  for (const item of items) {
    for (const why of item.why || []) {
      // an age condition: named below, with the members of that age; a 所管課's reason repeats its programme's needs
      if ((why.members || []).length || why.rule === "responsible-department") continue;
      for (const id of why.needs || []) {
        if (!labels.has(id)) continue;
        for (const name of owners.get(id) || ["世帯"]) put(name, labels.get(id));
      }
    }
    for (const name of ageMembers(result, item)) put(name, "年齢による紹介");
  }
  const order = [...(result.members || []).map((m, i) => memberName(m, i)), "世帯"];
  const lines = order.filter((name) => people.has(name)).map((name) => h("div", {}, `${name}: ${joinJa(people.get(name))}`));
  return h("td", { class: "who" }, lines.length ? lines : "—");
}

function row(kind, title, contact, who, reason) {
  return h("tr", {}, h("td", {}, kind), h("td", {}, title), contact, who, h("td", { class: "why" }, reason));
}

function routeRows(result) {
  const programs = result.programs || [];
  const departments = result.departments || [];
  const owned = (d) => programs.filter((p) => (p.departments || []).some((x) => x.id === d.id));
  const departmentIds = new Set(departments.map((d) => d.id));
  const title = (label, detail) => [h("strong", {}, label), detail ? h("div", { class: "small" }, detail) : null];
  return [
    ...departments.map((d) => {
      const mine = owned(d);
      return row(
        "担当課",
        title(d.label, mine.length ? `つなぐ事業: ${joinJa(mine.map((p) => p.label))}` : ""),
        contactCell(d.contact),
        whoCell(result, [d, ...mine]),
        reasonsOf(d),
      );
    }),
    // a programme none of whose 所管課 is among the departments answered: its own row
    ...programs
      .filter((p) => !(p.departments || []).some((x) => departmentIds.has(x.id)))
      .map((p) =>
        row(
          "事業",
          title(p.label, joinJa((p.departments || []).map((x) => x.label))),
          contactCell(null),
          whoCell(result, [p]),
          reasonsOf(p),
        ),
      ),
    ...(result.bodies || []).map((b) =>
      row("支援機関", title(b.label, b.role), contactCell(b.contact), whoCell(result, [b]), reasonsOf(b)),
    ),
    ...(result.meetings || []).map((m) =>
      row("会議", title(m.label, joinJa(m.legal_basis || [])), contactCell(null), whoCell(result, [m]), reasonsOf(m)),
    ),
    ...(result.planned || []).map((p) =>
      row(
        "準備中",
        title(p.label, joinJa([p.status, p.operating_from_fiscal_year ? `${reiwa(p.operating_from_fiscal_year)}から` : ""])),
        contactCell(null),
        whoCell(result, [p]),
        reasonsOf(p),
      ),
    ),
  ];
}

function memberRows(result) {
  const rows = (result.members || []).map((member, index) =>
    h(
      "tr",
      {},
      h("td", {}, member.label || `世帯員${index + 1}`),
      h("td", {}, member.age === null || member.age === undefined ? "—" : `${member.age}歳`),
      h("td", {}, joinJa([...(member.needs || []).map((n) => n.label), ...(member.unmatched || []).map((t) => `「${t}」`)]) || "—"),
    ),
  );
  const rest = householdNeeds(result).map((n) => n.label);
  if (rest.length || !rows.length) rows.push(h("tr", {}, h("td", {}, "世帯"), h("td", {}, "—"), h("td", {}, joinJa(rest) || "—")));
  const memberTexts = new Set((result.members || []).flatMap((m) => m.unmatched || []));
  const unmatched = (result.unmatched || []).filter((u) => !memberTexts.has(u));
  if (unmatched.length) {
    rows.push(h("tr", {}, h("td", {}, "当てはまらなかった言葉"), h("td", {}, "—"), h("td", {}, joinJa(unmatched.map((u) => `「${u}」`)))));
  }
  return rows;
}

export async function sheetView(root, ctx) {
  add(root, h("h1", { tabindex: "-1", class: "no-print" }, "つなぎシート"));
  const result = currentResult();
  if (!result) {
    add(
      root,
      h(
        "div",
        { class: "box info" },
        h("p", {}, "まだ振り分けの結果がありません。先に「相談の振り分け」で困りごとを選び、結果を出してください。"),
        h("p", {}, link("#/route", "相談の振り分けへ")),
      ),
    );
    return;
  }
  const made = household.at || new Date();
  const town = household.municipality;
  const fy = result.fiscal_year;
  const pair = (th1, td1, th2, td2) =>
    h("tr", {}, h("th", { scope: "row" }, th1), td1, h("th", { scope: "row" }, th2), td2);
  const handwritten = () => h("td", {}, blank());
  const rows = routeRows(result);
  add(
    root,
    h(
      "div",
      { class: "toolbar no-print" },
      h("button", { type: "button", class: "primary", id: "print-sheet", onclick: () => window.print() }, "印刷する"),
      link("#/route", "振り分け結果に戻る"),
      h("span", { class: "muted small" }, "このシートはこのブラウザの中だけで作られ、サーバーには送られず保存もされません。"),
    ),
    h(
      "article",
      { class: "sheet", id: "sheet", "aria-label": "つなぎシート" },
      h("h2", { class: "sheet-title" }, "つなぎシート(支援関係機関への連絡票)"),
      h(
        "table",
        { class: "sheet-head" },
        h(
          "tbody",
          {},
          pair(
            "市町村",
            h("td", { id: "sheet-municipality" }, town.prefecture ? `${town.name}(${town.prefecture})` : town.name),
            "作成日",
            h("td", { id: "sheet-made" }, `${made.getFullYear()}年${made.getMonth() + 1}月${made.getDate()}日`),
          ),
          pair(
            "基準日",
            h("td", {}, `${jaDate(result.as_of)}(${fy ? reiwa(fy) : ""})`),
            "本人の同意",
            h("td", { id: "sheet-consent" }, result.consent_label || result.consent),
          ),
          pair("相談者", handwritten(), "相談者の連絡先", handwritten()),
          pair("受付窓口", handwritten(), "担当者", handwritten()),
        ),
      ),
      result.notice ? h("p", { class: "box warn" }, result.notice) : null,
      h(
        "table",
        { class: "sheet-members", id: "sheet-members" },
        h("caption", {}, "世帯員と困りごと"),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, "続柄・呼び名"), h("th", { scope: "col" }, "年齢"), h("th", { scope: "col" }, "困りごと")),
        ),
        h("tbody", {}, memberRows(result)),
      ),
      h(
        "table",
        { class: "sheet-routes", id: "sheet-routes" },
        h("caption", {}, "つなぎ先と連絡先"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", class: "col-kind" }, "区分"),
            h("th", { scope: "col", class: "col-to" }, "つなぎ先"),
            h("th", { scope: "col", class: "col-contact" }, "連絡先"),
            h("th", { scope: "col", class: "col-who" }, "誰の・どの困りごと"),
            h("th", { scope: "col", class: "col-why" }, "理由"),
          ),
        ),
        h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 5 }, "つなぎ先はありません。"))),
      ),
      h("h3", { class: "sheet-memo-title" }, "備考・引き継ぎ事項"),
      h("div", { class: "memo" }),
      h(
        "p",
        { class: "notice" },
        `${result.plan || `${town.name}の計画`}に基づく。計画の版 ${result.revision || ctx.revision || "—"}。`,
        "このシートには個人に関する情報が含まれます。関係機関への引き継ぎ以外に使わず、不要になったら適切に廃棄してください。",
      ),
    ),
  );
}
