// @ts-check
// Digital Badges: every certification held as an Open Badges 3.0 credential, with its image and
// standing; download the credential (JSON) or the badge image with the credential baked in (SVG),
// add it to LinkedIn, copy the verification link.
import { t } from "../i18n.js";
import { api, listOf } from "../api.js";
import { h, uid } from "../dom.js";
import { heading, withLoading, announce } from "../ui.js";
/** @import { View } from "../types.js" */

/**
 * One entry of `GET /me/badges` (DESIGN.md, Digital badges). `image_url` is the logo SVG as a
 * `data:` URI; `credential_url` the public, signed credential; `status` the standing today.
 * (Kept here rather than in types.js: no other screen reads it.)
 * @typedef {object} Badge
 * @property {string} certification_id
 * @property {string} name
 * @property {string} status active | expired | revoked
 * @property {string} credential_url
 * @property {string} image_url
 * @property {string} linkedin_url
 */

/** The namespace of the Open Badges 3.0 baking section (SVG). */
export const OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0";

// A badge's standing in words ("status.<code>") and what it means to a verifier ("badges.<code>").
const STANDINGS = ["active", "expired", "revoked"];

/**
 * The text of a `data:` URI (base64 or percent-encoded), decoded as UTF-8.
 * @param {string} uri
 * @returns {string}
 */
export function dataUriText(uri) {
  const comma = uri.indexOf(",");
  if (!uri.startsWith("data:") || comma < 0) throw new Error(t("badges.notImage"));
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  if (!meta.split(";").includes("base64")) return decodeURIComponent(payload);
  const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/**
 * Bake a credential into an SVG image as the Open Badges 3.0 baking section says for an embedded
 * proof: an `xmlns:openbadges` declaration on `<svg>` and, directly after the `<svg>` tag, one
 * `<openbadges:credential>` whose body is the credential JSON in CDATA (no `verify` attribute).
 * An existing `<openbadges:credential>` is replaced, so there is only ever one.
 * @param {string} svgText the badge image
 * @param {string} credentialJson the signed credential, as served
 * @returns {string} the baked SVG document
 */
export function bakeSvg(svgText, credentialJson) {
  const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const root = doc.documentElement;
  if (root.localName !== "svg" || doc.getElementsByTagName("parsererror").length) {
    throw new Error(t("badges.notSvg"));
  }
  for (const old of [...root.getElementsByTagNameNS(OB3_NAMESPACE, "credential")]) old.remove();
  root.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:openbadges", OB3_NAMESPACE);
  const element = doc.createElementNS(OB3_NAMESPACE, "openbadges:credential");
  // "]]>" cannot sit inside one CDATA section: it is split over two, "…]]" and ">…" (same text).
  const parts = credentialJson.split("]]>");
  parts.forEach((part, i) => {
    element.append(doc.createCDATASection(`${i ? ">" : ""}${part}${i < parts.length - 1 ? "]]" : ""}`));
  });
  root.insertBefore(element, root.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}

/**
 * Save `text` as a file named `filename` (a temporary object URL and a download link).
 * @param {string} text
 * @param {string} type
 * @param {string} filename
 */
function saveFile(text, type, filename) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Each credential is fetched once per visit to the screen, as served (the bytes that were signed). */
class CredentialCache {
  constructor() {
    /** @type {Map<string, Promise<string>>} */
    this.texts = new Map();
  }

  /** @param {string} url */
  text(url) {
    let pending = this.texts.get(url);
    if (!pending) {
      pending = fetchCredential(url);
      pending.catch(() => this.texts.delete(url));
      this.texts.set(url, pending);
    }
    return pending;
  }
}

/**
 * The public credential (no login: it is what verifiers fetch).
 * @param {string} url
 * @returns {Promise<string>}
 */
async function fetchCredential(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/ld+json, application/json" }, credentials: "omit" });
  } catch {
    throw new Error(t("badges.offline"));
  }
  if (!response.ok) throw new Error(t("badges.fetchFailed", { status: response.status }));
  return response.text();
}

/**
 * A button that runs `work`, disabled and saying so while it runs; failures go to the alert region.
 * Its name is the visible label and the badge (several cards have the same buttons).
 * @param {string} label
 * @param {Badge} badge
 * @param {() => Promise<void>} work
 */
function actionButton(label, badge, work) {
  const button = h("button", { type: "button", class: "secondary", "aria-label": t("badges.labelFor", { label, name: badge.name }) }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = t("badges.preparing");
    try {
      await work();
    } catch (error) {
      announce(/** @type {Error} */ (error).message, "error");
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  });
  return button;
}

/**
 * The verification link in a read-only field with a Copy button that says when it copied.
 * @param {Badge} badge
 */
function verificationLink(badge) {
  const input = h("input", { type: "text", readonly: true, id: uid("verify-link"), value: badge.credential_url, spellcheck: "false" });
  const hintId = uid("verify-hint");
  const status = h("span", { role: "status", class: "hint" });
  input.setAttribute("aria-describedby", hintId);
  input.addEventListener("focus", () => input.select());
  /** @type {number | undefined} */
  let reset;
  const button = h("button", { type: "button", class: "secondary" }, t("badges.copy"));
  /** @param {string} text */
  const label = (text) => {
    button.textContent = text;
    button.setAttribute("aria-label", t("badges.copyLabel", { text, name: badge.name }));
  };
  label(t("badges.copy"));
  button.addEventListener("click", async () => {
    window.clearTimeout(reset);
    try {
      await navigator.clipboard.writeText(badge.credential_url);
      label(t("badges.copied"));
      status.textContent = t("badges.copiedText");
    } catch {
      input.focus();
      input.select();
      status.textContent = t("badges.copyBlocked");
    }
    reset = window.setTimeout(() => {
      label(t("badges.copy"));
      status.textContent = "";
    }, 5000);
  });
  return h(
    "div",
    { class: "field" },
    h("label", { for: input.id }, t("badges.link")),
    h("p", { class: "hint", id: hintId }, t("badges.linkHint")),
    input,
    h("div", { class: "actions" }, button, status),
  );
}

/**
 * @param {Badge} badge
 * @param {CredentialCache} credentials
 */
function badgeCard(badge, credentials) {
  const known = STANDINGS.includes(badge.status);
  const [standing, explanation] = known ? [t(`status.${badge.status}`), t(`badges.${badge.status}`)] : [badge.status, ""];
  const titleId = uid("badge-title");
  return h(
    "li",
    { class: "card", "aria-labelledby": titleId, dataset: { badge: badge.certification_id } },
    h("img", { src: badge.image_url, alt: t("badges.image", { name: badge.name }), width: "192", height: "96" }),
    h("h2", { id: titleId }, badge.name),
    h("p", {}, t("badges.standing"), h("span", { class: `status-${badge.status}` }, standing)),
    explanation ? h("p", { class: "hint" }, explanation) : null,
    verificationLink(badge),
    h(
      "div",
      { class: "actions" },
      actionButton(t("badges.downloadJson"), badge, async () => {
        const text = await credentials.text(badge.credential_url);
        saveFile(text, "application/ld+json", `${badge.certification_id}-credential.json`);
        announce(t("badges.jsonStarted", { name: badge.name }), "success");
      }),
      actionButton(t("badges.downloadImage"), badge, async () => {
        const text = await credentials.text(badge.credential_url);
        saveFile(bakeSvg(dataUriText(badge.image_url), text), "image/svg+xml", `${badge.certification_id}-badge.svg`);
        announce(t("badges.imageStarted", { name: badge.name }), "success");
      }),
      // A revoked certification is not one to put on a profile; expired ones LinkedIn shows with their dates.
      badge.status === "revoked" || !badge.linkedin_url
        ? null
        : h(
            "a",
            {
              href: badge.linkedin_url,
              target: "_blank",
              rel: "noopener noreferrer",
              class: "button secondary",
              "aria-label": t("badges.linkedinLabel", { name: badge.name }),
            },
            t("badges.linkedin"),
          ),
    ),
  );
}

/** @type {View} */
export async function badgesView(container) {
  container.append(heading(t("badges.title")), h("p", {}, t("badges.intro")));
  const data = await withLoading(container, () => api.get("/me/badges"));
  const badges = /** @type {Badge[]} */ (listOf(data, "badges"));
  if (!badges.length) {
    container.append(
      h("p", { class: "note" }, t("badges.none")),
    );
    return;
  }
  const credentials = new CredentialCache();
  container.append(h("ul", { class: "cards", "aria-label": t("badges.list") }, badges.map((b) => badgeCard(b, credentials))));
}
