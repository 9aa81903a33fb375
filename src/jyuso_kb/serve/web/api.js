// The same-origin API. Household data (needs, questions) is only ever sent in POST bodies, never in URLs, and
// nothing is cached or stored in the browser (cache: "no-store", no localStorage / sessionStorage).

export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "";
    this.where = error.where || "";
    this.hint = error.hint || "";
  }
}

async function request(path, { method = "GET", body, type } = {}) {
  const headers = { accept: "application/json" };
  if (type) headers["content-type"] = type;
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store", credentials: "same-origin" });
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
    throw new ApiError(response.status, error);
  }
  return data;
}

export const getJson = (path) => request(path);
export const postJson = (path, value) =>
  request(path, { method: "POST", body: JSON.stringify(value), type: "application/json" });
export const postFile = (path, file, type) => request(path, { method: "POST", body: file, type });

// Catalog data does not change while the page is open (a new plan revision needs a reload anyway).
const memo = new Map();
export function catalog(path) {
  if (!memo.has(path)) {
    const pending = getJson(path).catch((error) => {
      memo.delete(path);
      throw error;
    });
    memo.set(path, pending);
  }
  return memo.get(path);
}
