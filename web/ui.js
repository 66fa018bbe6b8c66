// @ts-check
// Page furniture shared by the views: titles, messages (aria-live), loading states, form errors.
import { h, clear, shellElement } from "./dom.js";
import { ApiError } from "./api.js";
import { summary, localizedMessage } from "./validate.js";
import { t, LANGUAGES, browserLanguage } from "./i18n.js";
/** @import { Child } from "./dom.js" */
/** @import { FieldError } from "./types.js" */

/** @typedef {"info" | "success" | "error"} MessageKind */

/** @type {{ message: string, kind: MessageKind } | null} */
let pendingFlash = null;

/**
 * Show a message now, in the live region (status for info, alert for errors).
 * @param {string} message
 * @param {MessageKind} [kind]
 */
export function announce(message, kind = "info") {
  const region = shellElement(kind === "error" ? "alerts" : "messages");
  const other = shellElement(kind === "error" ? "messages" : "alerts");
  clear(other);
  clear(region);
  if (!message) return;
  region.append(
    h(
      "div",
      { class: `notice notice-${kind}` },
      h("p", {}, message),
      h("button", { type: "button", class: "link dismiss", onclick: () => clear(region) }, t("app.dismiss")),
    ),
  );
}

export function clearMessages() {
  clear(shellElement("messages"));
  clear(shellElement("alerts"));
}

/**
 * A message to show after the next navigation (e.g. "Transcript created").
 * @param {string} message
 * @param {MessageKind} [kind]
 */
export function flash(message, kind = "success") {
  pendingFlash = { message, kind };
}

export function takeFlash() {
  const f = pendingFlash;
  pendingFlash = null;
  return f;
}

/**
 * h1 + document title; the h1 takes focus after navigation so screen readers announce the page.
 * @param {string} text
 * @param {...Child} rest
 */
export function heading(text, ...rest) {
  document.title = t("app.titleSuffix", { title: text });
  return h("h1", { tabindex: "-1", id: "page-title" }, text, ...rest);
}

/** @param {string} [text] */
export function loadingIndicator(text = t("app.loading")) {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/**
 * Run `work` with a loading indicator inside `container` (aria-busy while it runs).
 * @template T
 * @param {HTMLElement} container
 * @param {() => Promise<T>} work
 * @param {string} [text]
 * @returns {Promise<T>}
 */
export async function withLoading(container, work, text) {
  const indicator = loadingIndicator(text);
  container.setAttribute("aria-busy", "true");
  container.append(indicator);
  try {
    return await work();
  } finally {
    indicator.remove();
    container.removeAttribute("aria-busy");
  }
}

/**
 * The message to show for what was thrown: an ApiError's with its field details, else the Error's.
 * @param {unknown} error
 * @returns {string}
 */
export function errorMessage(error) {
  return error instanceof ApiError ? error.fullMessage : /** @type {Error} */ (error).message;
}

/**
 * An error box inside a view (e.g. a list that failed to load) with an optional retry.
 * @param {unknown} error
 * @param {() => void} [retry]
 */
export function errorBox(error, retry) {
  const message = errorMessage(error) || String(error);
  // A refusal (403: e.g. operators only) answers the same on every retry: no "Try again" for it.
  if (error instanceof ApiError && error.status === 403) retry = undefined;
  return h(
    "div",
    { class: "notice notice-error", role: "alert" },
    h("p", {}, message),
    retry ? h("button", { type: "button", onclick: retry }, t("app.tryAgain")) : null,
  );
}

/**
 * The box of `form` that holds a field the server names ("localized.city", "attributes.0.value").
 * @param {HTMLFormElement} form
 * @param {string} field
 * @returns {HTMLElement | null}
 */
function fieldBox(form, field) {
  const parts = String(field || "").split(".");
  const candidates = [parts.join("."), parts.slice(-1)[0], parts.slice(-2).join(".")];
  return /** @type {HTMLElement | null} */ (
    candidates.map((name) => form.querySelector(`[data-field="${CSS.escape(name)}"]`)).find(Boolean) || null
  );
}

/**
 * Problems found before sending (validate.js `check`): each beside its field, one line in the alert
 * region naming the fields by their labels. Returns true when there were none (send the request).
 * @param {HTMLFormElement} form
 * @param {FieldError[]} errors
 */
export function checkedBeforeSending(form, errors) {
  clearFieldErrors(form);
  if (!errors.length) return true;
  showFieldErrors(form, { fieldErrors: errors });
  const found = errors.map((e) => ({ field: String(e.field || ""), box: fieldBox(form, String(e.field || "")) }));
  // In the order the form shows them (unplaced last).
  found.sort((a, b) =>
    !a.box || !b.box ? Number(!a.box) - Number(!b.box) : a.box.compareDocumentPosition(b.box) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1,
  );
  const labels = found.map(({ field, box }) => {
    const label = box?.dataset.label || box?.querySelector("label, legend, .label")?.firstChild?.textContent;
    return (label || field).trim();
  });
  announce(summary(labels), "error");
  return false;
}

/**
 * Put per-field 422 errors next to the fields of `form`; returns true if any field matched.
 * @param {HTMLFormElement} form
 * @param {{ fieldErrors?: FieldError[] }} error an ApiError, or errors found before sending
 */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  let matched = false;
  for (const e of error.fieldErrors || []) {
    const box = fieldBox(form, String(e.field || ""));
    if (!box) continue;
    matched = true;
    const control = box.querySelector("input, select, textarea");
    const slot = /** @type {HTMLElement | null} */ (box.querySelector(".field-error"));
    if (control) control.setAttribute("aria-invalid", "true");
    if (slot) {
      slot.hidden = false;
      slot.textContent = localizedMessage(e.message || ""); // the field's label is beside it already
    }
  }
  const firstInvalid = /** @type {HTMLElement | null} */ (form.querySelector("[aria-invalid='true']"));
  if (firstInvalid) firstInvalid.focus();
  return matched;
}

/** @param {HTMLFormElement} form */
export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid='true']")) el.removeAttribute("aria-invalid");
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (form.querySelectorAll(".field-error"))) {
    el.hidden = true;
    el.textContent = "";
  }
}

/**
 * Submit handling: disables the button, shows "Working…", reports errors in the live region.
 * Resolves to what `work` returns, or undefined when it failed (the error is shown).
 * @template T
 * @param {HTMLFormElement} form
 * @param {() => Promise<T>} work
 * @param {{ busyText?: string }} [options]
 * @returns {Promise<T | undefined>}
 */
export async function submitting(form, work, { busyText = t("app.working") } = {}) {
  const buttons = [.../** @type {NodeListOf<HTMLButtonElement>} */ (form.querySelectorAll("button[type='submit']"))];
  const labels = buttons.map((b) => b.textContent);
  buttons.forEach((b) => {
    b.disabled = true;
    b.textContent = busyText;
  });
  form.setAttribute("aria-busy", "true");
  clearFieldErrors(form);
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    if (error instanceof ApiError && error.code === "account_not_mapped") return undefined;
    // With each problem next to its field, the live region says which fields; otherwise all of it.
    const placed = error instanceof ApiError && showFieldErrors(form, error);
    announce(placed ? /** @type {ApiError} */ (error).message : errorMessage(error), "error");
    return undefined;
  } finally {
    form.removeAttribute("aria-busy");
    buttons.forEach((b, i) => {
      b.disabled = false;
      b.textContent = labels[i];
    });
  }
}

/**
 * A secondary navigation bar (Settings / Attributes / Identification …).
 * @param {string} label
 * @param {[string, string][]} items [href, text] pairs
 * @param {string} currentPath
 */
export function subnav(label, items, currentPath) {
  return h(
    "nav",
    { class: "subnav", "aria-label": label },
    h(
      "ul",
      {},
      items.map(([href, text]) =>
        h(
          "li",
          {},
          h("a", { href, "aria-current": currentPath === href.slice(1) ? "page" : null }, text),
        ),
      ),
    ),
  );
}

/**
 * The language select: each language named in itself; `withBrowser` adds "as my browser" (value "").
 * @param {{ value: string, withBrowser?: boolean, name?: string }} options
 */
export function languageSelect({ value, withBrowser = false, name = "language" }) {
  const browser = LANGUAGES.find(([code]) => code === browserLanguage());
  return h(
    "select",
    { name, lang: "" },
    withBrowser ? h("option", { value: "", selected: value === "" }, t("app.languageBrowser", { name: browser ? browser[1] : "English" })) : null,
    LANGUAGES.map(([code, label]) => h("option", { value: code, lang: code, selected: value === code }, label)),
  );
}
