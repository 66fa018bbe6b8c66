// @ts-check
// Runtime configuration. Locally the dev server serves the API on the same origin and
// logs in with /_local/login. In production `config.json` (written at deploy time from the
// stack outputs, see docs/notes/web.md) sets the API URL and the Cognito hosted UI.
//
// config.json:
// {
//   "apiBaseUrl": "",   (same origin: the CDN routes the API beside /app/; or the API Gateway URL)
//   "auth": {
//     "mode": "cognito",
//     "domain": "https://<prefix>.auth.<region>.amazoncognito.com",
//     "clientId": "<UserPoolClientId>",
//     "redirectUri": "https://<web host>/app/",
//     "scopes": ["openid", "email"]
//   },
//   "payments": { "stripeJs": "https://js.stripe.com/v3/" }   (optional: the default)
// }
// The page's Content-Security-Policy (template.yaml SecurityHeadersPolicy) allows Stripe's origins;
// the dev server points both at its local provider (local.overrides.web_client_policy).

/**
 * @typedef {{ mode: "local" }} LocalAuth
 * @typedef {{ mode: "cognito", domain: string, clientId: string, redirectUri: string, logoutUri?: string, scopes?: string[] }} CognitoAuth
 * @typedef {{ stripeJs: string }} Payments where the payment provider's browser script comes from
 * @typedef {{ apiBaseUrl: string, auth: LocalAuth | CognitoAuth, payments: Payments }} Config
 * @typedef {{ apiBaseUrl?: string, auth?: Partial<Omit<CognitoAuth, "mode">> & { mode?: string }, payments?: Partial<Payments> }} ConfigFile config.json (deploy time)
 */

const DEFAULTS = Object.freeze({
  apiBaseUrl: "",
  auth: /** @type {LocalAuth} */ ({ mode: "local" }),
  // Stripe asks that Stripe.js always be loaded from js.stripe.com, never bundled or self-hosted.
  payments: /** @type {Payments} */ ({ stripeJs: "https://js.stripe.com/v3/" }),
});

/** @type {Config | null} */
let current = null;

/** @param {string | undefined} url */
function normaliseBase(url) {
  return (url || "").replace(/\/+$/, "");
}

/** Load config.json once; a missing file means local development (same origin, local login). */
export async function loadConfig() {
  if (current) return current;
  /** @type {ConfigFile} */
  let loaded = {};
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (response.ok) loaded = await response.json();
  } catch {
    loaded = {};
  }
  current = {
    apiBaseUrl: normaliseBase(loaded.apiBaseUrl ?? DEFAULTS.apiBaseUrl),
    // config.json is the deployer's: a "cognito" mode comes with the hosted UI's fields.
    auth: /** @type {LocalAuth | CognitoAuth} */ ({ ...DEFAULTS.auth, ...(loaded.auth || {}) }),
    payments: { ...DEFAULTS.payments, ...(loaded.payments || {}) },
  };
  return current;
}

/** @returns {Config} */
export function config() {
  if (!current) throw new Error("configuration not loaded");
  return current;
}
