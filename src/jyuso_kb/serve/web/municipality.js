// Which municipality's plan the page shows. GET /v1/municipalities lists the ones served; with more than one, a
// chooser in the header picks one. The choice is carried in the page URL (?municipality=CODE, so that a copied link
// opens the same municipality; the hash stays the in-page route) and remembered in this browser (localStorage, the
// code only: nothing of a household is ever stored). The URL wins over what was remembered; a code that is not
// served (mistyped, or a municipality no longer served) falls back to the default municipality.

import { getJson } from "./api.js";

const PARAM = "municipality";
const KEY = "jyuso-kb.municipality";
const CODE = /^\d{6}$/;

const state = { list: [], fallback: "" };

/** Reads the municipalities served (once, when the page opens). */
export async function loadMunicipalities() {
  const data = await getJson("/v1/municipalities");
  state.list = data.municipalities || [];
  state.fallback = data.default || (state.list[0] && state.list[0].code) || "";
}

export function municipalities() {
  return state.list;
}

/** More than one municipality served: the page offers the chooser and names the choice in its URL. */
export function several() {
  return state.list.length > 1;
}

function find(code) {
  return state.list.find((m) => m.code === code) || null;
}

function remembered() {
  try {
    return window.localStorage.getItem(KEY) || "";
  } catch {
    return ""; // storage turned off in this browser: nothing is remembered
  }
}

/** Remembers a choice made in the chooser (the code only). */
export function remember(code) {
  try {
    window.localStorage.setItem(KEY, code);
  } catch {
    // storage turned off: the choice lasts as long as the URL carries it
  }
}

function forget() {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // nothing to forget
  }
}

/** The code the page URL names (?municipality=CODE), or null when it names none. */
export function codeInUrl() {
  const value = new URLSearchParams(window.location.search).get(PARAM);
  return value === null ? null : value.trim();
}

/** The municipality to show: the URL's, else the one remembered, else the default; an unknown code → the default. */
export function resolve() {
  const fallback = find(state.fallback) || state.list[0] || null;
  const asked = codeInUrl();
  if (asked !== null) return (CODE.test(asked) && find(asked)) || fallback;
  const kept = remembered();
  if (!kept) return fallback;
  const found = CODE.test(kept) ? find(kept) : null;
  if (!found) forget(); // a municipality no longer served
  return found || fallback;
}

/** The page URL for a municipality, keeping the in-page route (#/…); no query at all with one municipality. */
export function pageUrl(code, hash = window.location.hash) {
  const query = several() ? `?${PARAM}=${encodeURIComponent(code)}` : "";
  return `${window.location.pathname}${query}${hash}`;
}

/** "<name>(<prefecture>)" for the chooser. */
export function optionLabel(m) {
  return m.prefecture ? `${m.name}(${m.prefecture})` : m.name;
}
