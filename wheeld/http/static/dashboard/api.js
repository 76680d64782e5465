// The dashboard's only way to the daemon: the public REST API on this same origin, with the token.
const TOKEN_KEY = "wheeld.token";

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || "HTTP_ERROR";
    this.details = err.details || {};
  }

  /** Field name (dotted for nested bodies) -> message, from the envelope's details. */
  fieldErrors() {
    const out = {};
    const walk = (value, prefix) => {
      if (Array.isArray(value)) {
        const text = value.filter((v) => typeof v === "string").join(" ");
        if (text) out[prefix] = text;
        value.filter((v) => v && typeof v === "object").forEach((v) => walk(v, prefix));
      } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) walk(v, prefix ? `${prefix}.${k}` : k);
      } else if (typeof value === "string") {
        out[prefix] = value;
      }
    };
    if (this.details.errors) walk(this.details.errors, "");
    else if (this.details.field && this.details.constraint) out[this.details.field] = this.details.constraint;
    return out;
  }
}

let askToken = null;
/** Install the function that asks the person for a token (returns a promise of it). */
export function setTokenPrompt(fn) {
  askToken = fn;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra) {
  const h = { Accept: "application/json", ...extra };
  if (token()) h.Authorization = `Bearer ${token()}`;
  return h;
}

/** One API call: resolves with the whole envelope ({data, pagination?}); throws ApiError. */
export async function call(method, path, body) {
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`/api/v1${path}`, init);
    const parsed = await response.json().catch(() => null);
    if (response.status === 401 && askToken) {
      await askToken(attempt > 0 || token() !== "");
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }
  throw new ApiError(401, { error: { code: "UNAUTHORIZED", message: "a valid API token is required" } });
}

export const get = async (path) => (await call("GET", path)).data;
export const post = async (path, body) => (await call("POST", path, body ?? {})).data;
export const patch = async (path, body) => (await call("PATCH", path, body)).data;
export const put = async (path, body) => (await call("PUT", path, body)).data;

/** Every item of a list endpoint (pages of 500). */
export async function all(path) {
  const sep = path.includes("?") ? "&" : "?";
  const items = [];
  for (let page = 1; ; page += 1) {
    const env = await call("GET", `${path}${sep}page_size=500&page=${page}`);
    items.push(...env.data);
    items.timestamp = env.timestamp; // the server's time of the answer ("as of")
    if (!env.pagination || page >= env.pagination.total_pages) return items;
  }
}

/** Download a CSV export with the token (a plain link could not send the Authorization header). */
export async function download(path, filename) {
  const response = await fetch(`/api/v1${path}`, { headers: headers({ Accept: "text/csv" }) });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
