// 世帯員: the household entered member by member (続柄・呼び名, 年齢, その人の困りごと), as the CLI's --member, and
// who has which need in the answer. The members live in the household's memory only, like the rest of it.

import { add, clear, h, joinJa } from "./dom.js";

export const MAX_MEMBER_LABEL = 20;

export function freshMember() {
  return { label: "", age: "", needs: "" };
}

function parseAge(text) {
  const normal = String(text || "")
    .trim()
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/歳$/, "");
  if (!normal) return undefined;
  if (!/^\d{1,3}$/.test(normal) || Number(normal) > 130) return null;
  return Number(normal);
}

function splitNeeds(text) {
  return String(text || "")
    .split(/[、,，\n]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The members as POST /v1/route takes them ({label?, age?, needs?}; a row left empty is left out), or
 * {error, input} for the first row that cannot be sent. */
export function membersToSend(members, inputs) {
  const out = [];
  for (const [index, member] of members.entries()) {
    const age = parseAge(member.age);
    if (age === null) {
      return { error: `世帯員${index + 1}の年齢は 0〜130 の数字で入力してください。`, input: inputs[index]?.age };
    }
    const label = member.label.trim();
    const needs = splitNeeds(member.needs);
    if (!label && age === undefined && !needs.length) continue;
    const sent = {};
    if (label) sent.label = label;
    if (age !== undefined) sent.age = age;
    if (needs.length) sent.needs = needs;
    out.push(sent);
  }
  return { members: out };
}

/** The editor: one row per member, a button to add one and one per row to take it out. */
export function memberEditor(members, datalistId, announce) {
  const list = h("ol", { class: "member-list", id: "member-list" });
  const inputs = [];
  const render = (focusIndex = null) => {
    clear(list);
    inputs.length = 0;
    members.forEach((member, index) => {
      const n = index + 1;
      const field = (key, text, attrs, spoken = text) => {
        const input = h("input", {
          type: "text",
          id: `member-${n}-${key}`,
          autocomplete: "off",
          value: member[key],
          "aria-label": `世帯員${n}の${spoken}`,
          oninput: (event) => {
            member[key] = event.target.value;
          },
          ...attrs,
        });
        return [input, h("label", { for: `member-${n}-${key}`, class: `member-field member-${key}` }, text, input)];
      };
      const [label, labelField] = field("label", "続柄・呼び名", { maxlength: MAX_MEMBER_LABEL, placeholder: "例: 母" });
      const [age, ageField] = field("age", "年齢", { inputmode: "numeric", placeholder: "例: 82", size: 4 });
      const [needs, needsField] = field("needs", "この人の困りごと", {
        list: datalistId,
        maxlength: 600,
        placeholder: "例: 足腰が弱ってきた、認知症",
      }, "困りごと");
      inputs.push({ label, age, needs });
      add(
        list,
        h(
          "li",
          { class: "member-row" },
          h("span", { class: "member-number" }, `世帯員${n}`),
          labelField,
          ageField,
          needsField,
          h(
            "button",
            {
              type: "button",
              class: "member-remove",
              "aria-label": `世帯員${n}を削除`,
              onclick: () => {
                members.splice(index, 1);
                render(Math.min(index, members.length - 1));
                announce(`世帯員${n}を削除しました。`);
              },
            },
            "削除",
          ),
        ),
      );
    });
    if (focusIndex !== null && inputs[focusIndex]) inputs[focusIndex].label.focus();
    else if (focusIndex !== null) addButton.focus();
  };
  const addButton = h(
    "button",
    {
      type: "button",
      id: "member-add",
      onclick: () => {
        members.push(freshMember());
        render(members.length - 1);
        announce(`世帯員${members.length}の欄を加えました。`);
      },
    },
    "世帯員を加える",
  );
  render();
  const element = h(
    "fieldset",
    { class: "members", id: "members", "aria-describedby": "members-help" },
    h("legend", {}, "世帯員(任意・1人ずつ)"),
    list,
    addButton,
    h(
      "span",
      { class: "help", id: "members-help" },
      "続柄(本人、母、長男など。氏名は書かない)、年齢、その人の困りごと(読点で区切る)を入力します。年齢は65歳以上や乳幼児向けの地域づくり事業の紹介に使います。",
    ),
  );
  return { element, inputs };
}

/** 「母(82歳)」: how the answer and the sheet name a member (世帯員2 when no label was given). */
export function memberName(member, index) {
  const who = member.label || `世帯員${index + 1}`;
  return member.age === null || member.age === undefined ? who : `${who}(${member.age}歳)`;
}

/** Need id → the names of the members who have it. */
export function whoHas(result) {
  const map = new Map();
  (result.members || []).forEach((member, index) => {
    for (const need of member.needs || []) {
      if (!map.has(need.id)) map.set(need.id, []);
      map.get(need.id).push(memberName(member, index));
    }
  });
  return map;
}

/** The needs no member was given: the household's as a whole (de-duplicated, in the answer's order). */
export function householdNeeds(result) {
  const members = whoHas(result);
  const seen = new Set();
  return (result.needs || []).filter((n) => !members.has(n.id) && !seen.has(n.id) && seen.add(n.id));
}

/** The members an item's age-based reasons are about (why.members), named. */
export function ageMembers(result, item) {
  const names = [];
  for (const why of item.why || []) {
    for (const index of why.members || []) {
      const member = (result.members || [])[index];
      const name = member ? memberName(member, index) : null;
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** The result's panel 「世帯員ごとの困りごと」: each member with their needs and what their age brought in. */
export function membersPanel(result) {
  const members = result.members || [];
  if (!members.length) return null;
  const items = [];
  for (const key of ["programs", "departments", "bodies", "meetings", "planned"]) {
    for (const item of result[key] || []) if (ageMembers(result, item).length) items.push(item);
  }
  const rows = members.map((member, index) => {
    const name = memberName(member, index);
    const needs = [...(member.needs || []).map((n) => n.label), ...(member.unmatched || []).map((t) => `「${t}」`)];
    const byAge = items.filter((item) => ageMembers(result, item).includes(name)).map((item) => item.label);
    return h(
      "li",
      { class: "member-result" },
      h("strong", {}, name),
      `: ${joinJa(needs) || "困りごとの入力なし"}`,
      byAge.length ? h("span", { class: "muted small" }, `(年齢により紹介: ${joinJa(byAge)})`) : null,
    );
  });
  const rest = householdNeeds(result).map((n) => n.label);
  if (rest.length) rows.push(h("li", { class: "member-result" }, h("strong", {}, "世帯"), `: ${joinJa(rest)}`));
  return h("div", { class: "panel", id: "route-members" }, h("h3", {}, "世帯員ごとの困りごと"), h("ul", {}, rows));
}
