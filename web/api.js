// @ts-check
// The API client: Bearer token from sessionStorage, JSON in and out, problem+json errors
// turned into messages a person can act on.
import { config } from "./config.js";
import { language, t } from "./i18n.js";
import { localizedMessage } from "./validate.js";
/** @import { FieldError, Problem, TokenClaims } from "./types.js" */

const TOKEN_KEY = "certtrack.id_token";
// When the ID token ends on this device's clock: the token's lifetime (exp − iat) counted from when
// it arrived, so a device whose clock is off neither drops a good token nor keeps a dead one.
const EXPIRES_KEY = "certtrack.id_token_expires";
const RENEW_BEFORE_MS = 60_000; // renew a token that ends within a minute

/** @param {string} token */
function expiresAt(token) {
  const saved = Number(sessionStorage.getItem(EXPIRES_KEY));
  if (saved) return saved;
  const { exp } = tokenClaims(token);
  return exp ? exp * 1000 : Infinity;
}

export function getToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  if (expiresAt(token) < Date.now()) {
    clearToken();
    return null;
  }
  return token;
}

/** @param {string} token */
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  const { exp, iat } = tokenClaims(token);
  if (exp && iat) sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + (exp - iat) * 1000));
  else sessionStorage.removeItem(EXPIRES_KEY);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
}

/** @type {(() => Promise<boolean>) | null} */
let renewer = null;
/** @type {Promise<boolean> | null} */
let renewing = null;

/**
 * How the session's ID token is renewed (web/auth.js: the refresh token at the token endpoint).
 * @param {() => Promise<boolean>} renew
 */
export function onRenew(renew) {
  renewer = renew;
}

/** The ID token, renewed first when it ends within a minute (or has ended) and can be renewed. */
export async function freshToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token && renewer && expiresAt(token) - RENEW_BEFORE_MS < Date.now()) {
    const renew = renewer;
    renewing ??= renew().finally(() => {
      renewing = null;
    });
    await renewing;
  }
  return getToken();
}

/**
 * The (unverified) claims of a JWT: only used for display and expiry, the API verifies it.
 * @param {string} token
 * @returns {TokenClaims}
 */
export function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(
      Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

// Known problem codes and statuses with a message of the catalogues (i18n/*.js: "api.<code>", "api.<status>").
const KNOWN_CODES = new Set([
  "account_not_mapped",
  "token_expired",
  "token_used",
  "token_invalid",
  "already_mapped",
  "no_match",
  "certificate_unavailable",
  "read_only_attribute",
]);
const KNOWN_STATUSES = new Set([400, 401, 403, 404, 409, 410, 413, 422, 429, 500, 502, 503]);

/**
 * What to say for a problem: in English the server's `detail` first; in another language the
 * catalogue's message for its code (the server's detail is English), then for a 422 its status line
 * (each field says its own), then the detail.
 * @param {number} status @param {string | null | undefined} code @param {string | null | undefined} detail
 * @param {string | null | undefined} title
 */
function problemMessage(status, code, detail, title) {
  const byCode = code && KNOWN_CODES.has(code) ? t(`api.${code}`) : null;
  const byStatus = KNOWN_STATUSES.has(status) ? t(`api.${status}`) : null;
  if (language() === "en") return detail || byCode || byStatus || title || t("api.failed");
  return byCode || (status === 422 ? byStatus : null) || detail || byStatus || title || t("api.failed");
}

/** An error from the API (or the network) with a message ready to show. */
export class ApiError extends Error {
  /**
   * @param {object} problem
   * @param {number} problem.status the HTTP status (0: the network failed)
   * @param {string | null} [problem.code]
   * @param {string | null} [problem.detail]
   * @param {string | null} [problem.title]
   * @param {FieldError[]} [problem.fieldErrors]
   * @param {boolean} [problem.retryable]
   */
  constructor({ status, code, detail, title, fieldErrors = [], retryable = false }) {
    super(problemMessage(status, code, detail, title));
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.retryable = retryable;
  }

  /** The message with field-level details appended (for 422). */
  get fullMessage() {
    if (!this.fieldErrors.length) return this.message;
    const fields = this.fieldErrors.map((e) => `${humanField(e.field)}: ${localizedMessage(e.message || "")}`).join("; ");
    return `${this.message} ${fields}`;
  }
}

/** @param {string | undefined} name */
export function humanField(name) {
  if (!name || name === "body") return t("api.request");
  const last = String(name).split(".").filter((p) => !/^\d+$/.test(p)).pop() || name;
  const s = last.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** @type {() => void} */
let unauthorizedHandler = () => {};
/** @type {() => void} */
let notMappedHandler = () => {};

/** @param {() => void} fn */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}
/** @param {() => void} fn */
export function onNotMapped(fn) {
  notMappedHandler = fn;
}

/**
 * @typedef {{ [name: string]: string | number | null | undefined }} Query
 * @typedef {{ body?: unknown, query?: Query, headers?: Record<string, string>, auth?: boolean, handleAuth?: boolean }} RequestOptions
 */

/**
 * @param {string} path
 * @param {Query} [query]
 */
function buildUrl(path, query) {
  const url = new URL(`${config().apiBaseUrl}${path}`, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** @param {Response} response */
async function problemFrom(response) {
  /** @type {Problem} */
  let body = {};
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      body = await response.json();
    } catch {
      body = {};
    }
  }
  // API Gateway's own errors may come as {"message": "..."}; never show raw internals.
  const detail = typeof body.detail === "string" ? body.detail : null;
  return new ApiError({
    status: response.status,
    code: body.code || null,
    detail,
    title: body.title || null,
    fieldErrors: Array.isArray(body.errors) ? body.errors : [],
    retryable: response.status >= 500 || response.status === 429,
  });
}

/**
 * request("GET", "/me/exams", {query: {sort: "date"}}) → parsed JSON (or null for 204).
 * 401 → the unauthorized handler (back to login); 403 account_not_mapped → mapping screens.
 * The answer is `unknown`: each caller names the payload it expects (`types.js`).
 * @param {string} method
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>}
 */
export async function request(method, path, { body, query, headers = {}, auth = true, handleAuth = true } = {}) {
  /** @type {RequestInit & { headers: Record<string, string> }} */
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (auth) {
    const token = await freshToken();
    if (!token) {
      if (handleAuth) unauthorizedHandler();
      throw new ApiError({ status: 401, code: "unauthorized" });
    }
    init.headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(buildUrl(path, query), init);
  } catch {
    throw new ApiError({
      status: 0,
      code: "network_error",
      detail: t("api.offline"),
      retryable: true,
    });
  }
  if (!response.ok) {
    const error = await problemFrom(response);
    if (handleAuth && error.status === 401) {
      clearToken();
      unauthorizedHandler();
    } else if (handleAuth && error.status === 403 && error.code === "account_not_mapped") {
      notMappedHandler();
    }
    throw error;
  }
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const api = {
  /** @param {string} path @param {RequestOptions} [options] */
  get: (path, options) => request("GET", path, options),
  /** @param {string} path @param {unknown} [body] @param {RequestOptions} [options] */
  post: (path, body, options = {}) => request("POST", path, { ...options, body }),
  /** @param {string} path @param {unknown} body @param {RequestOptions} [options] */
  put: (path, body, options = {}) => request("PUT", path, { ...options, body }),
  /** @param {string} path @param {RequestOptions} [options] */
  del: (path, options) => request("DELETE", path, options),
};

/**
 * The array in a list response, whatever it is called ({"items": [...], "next"} or a bare array).
 * `unknown[]`: the caller names the item type, as for `request`.
 * @param {unknown} data
 * @param {...string} names
 * @returns {unknown[]}
 */
export function listOf(data, ...names) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  const fields = /** @type {Record<string, unknown>} */ (data);
  for (const name of [...names, "items"]) {
    const list = fields[name];
    if (Array.isArray(list)) return list;
  }
  const first = Object.values(fields).find(Array.isArray);
  return first || [];
}

/** A new idempotency key (crypto.randomUUID where available). */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
