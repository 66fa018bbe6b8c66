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
//   }
// }

const DEFAULTS = Object.freeze({
  apiBaseUrl: "",
  auth: { mode: "local" },
});

let current = null;

function normaliseBase(url) {
  return (url || "").replace(/\/+$/, "");
}

/** Load config.json once; a missing file means local development (same origin, local login). */
export async function loadConfig() {
  if (current) return current;
  let loaded = {};
  try {
    const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-cache" });
    if (response.ok) loaded = await response.json();
  } catch {
    loaded = {};
  }
  current = {
    apiBaseUrl: normaliseBase(loaded.apiBaseUrl ?? DEFAULTS.apiBaseUrl),
    auth: { ...DEFAULTS.auth, ...(loaded.auth || {}) },
  };
  return current;
}

export function config() {
  if (!current) throw new Error("configuration not loaded");
  return current;
}
