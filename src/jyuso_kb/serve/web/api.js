// The same-origin API, always for one municipality: every plan-scoped path /v1/… is sent as
// /v1/municipalities/CODE/… for the municipality chosen on the page (see municipality.js).
// Household data (needs, questions) is only ever sent in POST bodies, never in URLs, and nothing of it is cached or
// stored in the browser (cache: "no-store"; the only thing the page stores is the chosen municipality's code).

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "";
    this.where = error.where || "";
    this.hint = error.hint || "";
    this.report = null; // the validation report of a plan refused for not conforming (POST /v1/revisions → 422)
  }
}

// Paths that are the same for every municipality (the server does not repeat them under /v1/municipalities/CODE/).
const UNSCOPED = ["/v1/municipalities", "/v1/context.jsonld", "/v1/workbook/template"];
let current = null; // the chosen municipality: {code, name, prefecture, plan, revision, …} of GET /v1/municipalities

/** Sends every later plan-scoped call to this municipality (an entry of GET /v1/municipalities). */
export function useMunicipality(entry) {
  current = entry;
}

/** The municipality the page answers for (null before the list is read). */
export function currentMunicipality() {
  return current;
}

/** The path of an API call for the chosen municipality: /v1/programs → /v1/municipalities/CODE/programs. */
export function scoped(path) {
  const same = UNSCOPED.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`));
  if (!current || !path.startsWith("/v1/") || same) return path;
  return `/v1/municipalities/${encodeURIComponent(current.code)}/${path.slice("/v1/".length)}`;
}

/** The blank workbook (.xlsx) for the chosen municipality: its code and name are the template's only inputs. */
export function templateUrl() {
  if (!current) return "/v1/workbook/template";
  return `/v1/workbook/template?${new URLSearchParams({ code: current.code, name: current.name })}`;
}

async function request(path, { method = "GET", body, type, token } = {}) {
  const url = scoped(path);
  const asked = url === path ? "" : current.code;
  const headers = { accept: "application/json" };
  if (type) headers["content-type"] = type;
  if (token) headers.authorization = `Bearer ${token}`; // a policy token as typed in: sent, never kept
  let response;
  try {
    response = await fetch(url, { method, headers, body, cache: "no-store", credentials: "same-origin" });
  } catch {
    throw new ApiError(0, {
      code: "network",
      message: "サーバーに接続できませんでした。",
      hint: "ネットワークまたはサーバーの状態を確認し、もう一度お試しください。",
    });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || { code: `http_${response.status}`, message: "要求を処理できませんでした。" };
    const refused = new ApiError(response.status, error);
    refused.report = (data && data.report) || null;
    throw refused;
  }
  // An answer is shown under the municipality's name: it must come from that municipality's plan.
  if (asked && response.headers.get("x-municipality-code") !== asked) {
    throw new ApiError(response.status, {
      code: "wrong_municipality",
      message: "選んだ市町村とは別の市町村の答えが返りました。",
      hint: "ページを再読み込みしてください。",
    });
  }
  return data;
}

export const getJson = (path) => request(path);
export const postJson = (path, value) =>
  request(path, { method: "POST", body: JSON.stringify(value), type: "application/json" });
export const postFile = (path, file, type, token) => request(path, { method: "POST", body: file, type, token });

/** The active plan of the chosen municipality as a workbook (.xlsx). */
export function workbookUrl() {
  return scoped("/v1/workbook");
}

/** Forgets every catalog answer kept (a revision was published from this page). */
export function forgetCatalog() {
  memo.clear();
}

// Catalog data does not change while the page is open (a new plan revision needs a reload anyway); it is kept per
// municipality (the key is the scoped path).
const memo = new Map();
export function catalog(path) {
  const url = scoped(path);
  if (!memo.has(url)) {
    const pending = getJson(path).catch((error) => {
      memo.delete(url);
      throw error;
    });
    memo.set(url, pending);
  }
  return memo.get(url);
}
