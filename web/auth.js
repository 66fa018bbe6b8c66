// @ts-check
// Login: locally the dev server's /_local/login; in production the Cognito hosted UI
// (authorization code flow with PKCE, no client secret).
import { request, setToken, clearToken } from "./api.js";
import { config } from "./config.js";
import { t } from "./i18n.js";
/** @import { CognitoAuth } from "./config.js" */

const PKCE_KEY = "certtrack.pkce";
const RETURN_KEY = "certtrack.return_to";
const REFRESH_KEY = "certtrack.refresh_token";

export function authMode() {
  return config().auth.mode === "cognito" ? "cognito" : "local";
}

/** The hosted UI's settings: only read once `authMode()` is "cognito". */
function cognitoAuth() {
  return /** @type {CognitoAuth} */ (config().auth);
}

/**
 * Remember where to go after logging in (e.g. a mapping confirmation link).
 * @param {string} hash
 */
export function rememberReturn(hash) {
  if (hash && !hash.startsWith("#/login") && !hash.startsWith("#/logout")) sessionStorage.setItem(RETURN_KEY, hash);
}

export function takeReturn() {
  const hash = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return hash;
}

/**
 * @param {string} username
 * @param {string} password
 */
export async function localLogin(username, password) {
  const data = /** @type {Tokens | null} */ (await request("POST", "/_local/login", {
    body: { username, password },
    auth: false,
    handleAuth: false,
  }));
  if (!data || !data.id_token) throw new Error(t("auth.noToken"));
  keep(data);
}

/** @typedef {{ id_token: string, refresh_token?: string }} Tokens */

/** @param {Tokens} tokens */
function keep(tokens) {
  setToken(tokens.id_token);
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

/**
 * The identity provider's OAuth 2.0 endpoints: Cognito's hosted UI domain, or the dev server's
 * stand-ins (`/_local/oauth2/…`, beside the API).
 * @param {"token" | "revoke"} name
 */
function endpoint(name) {
  if (authMode() === "cognito") return new URL(`/oauth2/${name}`, cognitoAuth().domain).toString();
  return `${config().apiBaseUrl}/_local/oauth2/${name}`;
}

function clientId() {
  return authMode() === "cognito" ? cognitoAuth().clientId : "local";
}

/**
 * A new ID token from the session's refresh token (grant_type=refresh_token): true when renewed.
 * A refused refresh token is forgotten, so the next request ends the session as before.
 */
export async function renewSession() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return false;
  let response;
  try {
    response = await fetch(endpoint("token"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", client_id: clientId(), refresh_token: refreshToken }),
    });
  } catch {
    return false; // offline: keep the refresh token for the next try
  }
  if (!response.ok) {
    sessionStorage.removeItem(REFRESH_KEY);
    return false;
  }
  const tokens = /** @type {Tokens} */ (await response.json());
  setToken(tokens.id_token); // a refresh answer carries no new refresh token: the old one stays
  return true;
}

/** Revoke the refresh token at the provider (fire and forget: logging out never waits on it). */
function revokeSession() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  if (!refreshToken) return;
  fetch(endpoint("revoke"), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: refreshToken, client_id: clientId() }),
    keepalive: true,
  }).catch(() => undefined);
}

/** @param {ArrayBuffer | Uint8Array} bytes */
function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Production: send the browser to the Cognito hosted UI. */
export async function startHostedLogin() {
  const { domain, clientId, redirectUri, scopes = ["openid", "email"] } = cognitoAuth();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL("/oauth2/authorize", domain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: scopes.join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

/** Production: back from the hosted UI with ?code=&state=; exchange the code for tokens. */
export async function completeHostedLogin() {
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  if (!code || authMode() !== "cognito") return false;
  /** @type {{ verifier?: string, state?: string }} */
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "{}");
  sessionStorage.removeItem(PKCE_KEY);
  // Drop ?code=&state= from the address bar whatever happens next.
  window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  if (!saved.state || saved.state !== params.get("state")) throw new Error(t("auth.stateMismatch"));
  const { domain, clientId, redirectUri } = cognitoAuth();
  const response = await fetch(new URL("/oauth2/token", domain), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: /** @type {string} */ (saved.verifier), // saved with the state checked above
    }),
  });
  if (!response.ok) throw new Error(t("auth.refused"));
  keep(/** @type {Tokens} */ (await response.json()));
  return true;
}

export function logout() {
  revokeSession();
  clearToken();
  sessionStorage.removeItem(RETURN_KEY);
  if (authMode() === "cognito") {
    const { domain, clientId, logoutUri, redirectUri } = cognitoAuth();
    const url = new URL("/logout", domain);
    url.search = new URLSearchParams({ client_id: clientId, logout_uri: logoutUri || redirectUri }).toString();
    window.location.assign(url.toString());
    return true;
  }
  return false;
}
