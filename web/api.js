// @ts-check
// The API client: Bearer token from sessionStorage, JSON in and out, problem+json errors
// turned into messages a person can act on.
import { config } from "./config.js";
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

/** @type {Record<string, string>} */
const MESSAGES_BY_CODE = {
  account_not_mapped: "Your login is not mapped to a candidate record yet.",
  token_expired: "This link has expired. Please request a new one.",
  token_used: "This link has already been used. Please request a new one if you still need to map your login.",
  token_invalid: "This link is not valid. Please check that you copied the whole link from the email.",
  already_mapped: "Your login is already mapped to a candidate record.",
  no_match: "We could not find a score report with that last name and registration number.",
  certificate_unavailable: "A PDF certificate is only available for an active certification that has not expired.",
  read_only_attribute: "Only Job Title can be changed here.",
};

/** @type {Record<number, string>} */
const MESSAGES_BY_STATUS = {
  400: "The request was not understood.",
  401: "Your session has ended. Please log in again.",
  403: "You are not allowed to do that.",
  404: "That could not be found.",
  409: "That conflicts with the current state. Reload and try again.",
  410: "That is no longer available.",
  413: "That is too large to send.",
  422: "Some fields need attention.",
  429: "Too many attempts. Please wait a while and try again.",
  500: "Something went wrong on our side. Please try again.",
  502: "The service failed to answer. Please try again.",
  503: "The service is busy. Please try again shortly.",
};

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
    const base = detail || (code && MESSAGES_BY_CODE[code]) || MESSAGES_BY_STATUS[status] || title || "The request failed.";
    super(base);
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.retryable = retryable;
  }

  /** The message with field-level details appended (for 422). */
  get fullMessage() {
    if (!this.fieldErrors.length) return this.message;
    const fields = this.fieldErrors.map((e) => `${humanField(e.field)}: ${e.message}`).join("; ");
    return `${this.message} ${fields}`;
  }
}

/** @param {string | undefined} name */
export function humanField(name) {
  if (!name || name === "body") return "Request";
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
      detail: "Could not reach the service. Check your connection and try again.",
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
