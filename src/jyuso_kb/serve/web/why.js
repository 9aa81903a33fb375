// Rendering the "why" of a routing answer in plain Japanese: the explanation, the plan section, the law, the rule.

import { catalog, currentMunicipality } from "./api.js";
import { h, joinJa } from "./dom.js";

let rulesById = new Map();
let needLabels = new Map();
let consentStates = [];

/** Loads the chosen municipality's rule names, consent states and thesaurus labels (all public catalog data, read
 * once per municipality). */
export async function loadWhyContext() {
  const asked = currentMunicipality();
  const [rules, needs] = await Promise.all([catalog("/v1/rules"), catalog("/v1/needs")]);
  if (currentMunicipality() !== asked) return; // another municipality was chosen meanwhile: its own call fills these
  rulesById = new Map(rules.rules.map((r) => [r.id, r]));
  consentStates = rules.consent || [];
  needLabels = new Map(needs.needs.map((n) => [n.id, n.label]));
}

/** The consent states a form offers, [{value, label}], with the ontology's labels. */
export function consentChoices() {
  return consentStates;
}

export function ruleName(id) {
  return rulesById.has(id) ? rulesById.get(id).name : id;
}

export function ruleInfo(id) {
  return rulesById.get(id) || { id, name: id, intent: "", section: "", legal: "" };
}

export function needLabel(id) {
  return needLabels.get(id) || id;
}

/** One line of explanation: what, for which needs, and where it is written down. */
export function whyItem(why) {
  const meta = [];
  if (why.needs && why.needs.length) meta.push(`対象の困りごと: ${joinJa(why.needs.map(needLabel))}`);
  if (why.section) meta.push(`計画の節: ${why.section}`);
  if (why.legal_item && why.legal_item.length) meta.push(`法令: ${joinJa(why.legal_item)}`);
  meta.push(`ルール: ${ruleName(why.rule)}`);
  return h(
    "li",
    { "data-rule": why.rule },
    h("span", { class: "why-text" }, why.text || `${ruleName(why.rule)}によります。`),
    why.condition ? [" ", h("span", { class: "condition" }, `条件: ${why.condition}`)] : null,
    h("span", { class: "meta" }, meta.join(" ・ ")),
  );
}

/** The reasons of one card, closed until asked for (the summary line is a keyboard stop that opens them). */
export function whyBlock(whys) {
  if (!whys || !whys.length) return null;
  return h(
    "details",
    { class: "why" },
    h("summary", { class: "why-title" }, h("strong", {}, `なぜここにつなぐのか(理由${whys.length}件)`)),
    h("ul", {}, whys.map(whyItem)),
  );
}

/** A glossary of the rules used in an answer (one keyboard stop, instead of one per explanation); the plan sections
 * are the ones the answer cites for each rule (each plan numbers its own). */
export function rulesGlossary(whys) {
  const ids = [...new Set(whys.map((w) => w.rule))].filter(Boolean);
  if (!ids.length) return null;
  const sections = (id) => [...new Set(whys.filter((w) => w.rule === id && w.section).map((w) => w.section))];
  return h(
    "details",
    { class: "rules panel" },
    h("summary", {}, `この結果に使ったルールの説明（${ids.length}件）`),
    h(
      "dl",
      { class: "facts" },
      ids.map((id) => {
        const rule = ruleInfo(id);
        const cited = sections(id);
        const source = joinJa([cited.length ? `計画 ${joinJa(cited)}` : "", rule.legal]);
        return [h("dt", {}, rule.name), h("dd", {}, rule.intent || id, source ? h("span", { class: "help" }, source) : null)];
      }),
    ),
  );
}
