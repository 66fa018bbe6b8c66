// @ts-check
// The portal's language: message catalogues (i18n/en.js, i18n/ja.js), the candidate's choice (their
// settings once signed in; before that this browser's, in localStorage), else the browser's best
// match. `t(key, values)` is every string a screen shows; `<html lang>` follows the choice.
import en from "./i18n/en.js";
import ja from "./i18n/ja.js";

/** @typedef {"en" | "ja"} Language */

/** @type {Record<Language, Record<string, string>>} */
export const CATALOGUES = { en, ja };
/** @type {[Language, string][]} each language named in itself */
export const LANGUAGES = [
  ["en", "English"],
  ["ja", "日本語"],
];
const LOCALES = { en: "en-US", ja: "ja-JP" };
const STORAGE_KEY = "certtrack.language";

/** @type {Language} */
let current = "en";

/**
 * @param {unknown} value
 * @returns {value is Language}
 */
export function isLanguage(value) {
  return value === "en" || value === "ja";
}

/**
 * The best of our languages for the browser's list (`navigator.languages`), English when none fits.
 * @param {readonly string[]} [preferred]
 * @returns {Language}
 */
export function browserLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (isLanguage(primary)) return primary;
  }
  return "en";
}

export function language() {
  return current;
}

/** The BCP 47 locale for `Intl` (format.js). */
export function locale() {
  return LOCALES[current];
}

/** @param {Language} lang */
function apply(lang) {
  current = lang;
  document.documentElement.lang = lang;
  // The installed app's name and description: one manifest per language (a manifest has one `lang`).
  const manifest = document.querySelector("link[rel='manifest']");
  if (manifest) manifest.setAttribute("href", lang === "en" ? "manifest.webmanifest" : `manifest.${lang}.webmanifest`);
}

/** At start-up: this browser's last choice, else the browser's language. */
export function initLanguage() {
  let stored = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  apply(isLanguage(stored) ? stored : browserLanguage());
}

/**
 * Use `lang` (null: follow the browser) and remember it on this browser (the login page's picker
 * and the settings' choice, which is also saved with the candidate's settings).
 * @param {Language | null} lang
 * @returns {boolean} whether the language changed (the screen is drawn again)
 */
export function setLanguage(lang) {
  try {
    if (lang) localStorage.setItem(STORAGE_KEY, lang);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage refused (private mode): the choice lasts for this page
  }
  const next = lang || browserLanguage();
  const changed = next !== current;
  apply(next);
  return changed;
}

/**
 * The string of `key` in the current language, its `{name}`s filled from `values`.
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 */
export function t(key, values = {}) {
  const text = CATALOGUES[current][key] ?? en[key];
  if (text === undefined) throw new Error(`No message ${key}`);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * A sentence's pattern: its `{name}`s become groups ("Passed exam {code}" → /^Passed exam (.+)$/).
 * @param {string} text
 * @returns {{ names: string[], pattern: RegExp }}
 */
export function sentencePattern(text) {
  /** @type {string[]} */
  const names = [];
  const source = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\{(\w+)\\\}/g, (_, name) => {
    names.push(name);
    return "(.+)";
  });
  return { names, pattern: new RegExp(`^${source}$`) };
}

/** @type {Map<string, { key: string, names: string[], pattern: RegExp }[]>} */
const englishSentences = new Map();

/**
 * Text the server wrote in English (a history event, stored as words) in the page's language: the
 * catalogue entry under `prefix` whose English it is, its values kept; else the text as it came.
 * @param {string} prefix e.g. "history.event."
 * @param {string} text
 */
export function fromEnglish(prefix, text) {
  if (current === "en") return text;
  let sentences = englishSentences.get(prefix);
  if (!sentences) {
    sentences = Object.entries(en)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, english]) => ({ key, ...sentencePattern(english) }));
    englishSentences.set(prefix, sentences);
  }
  for (const { key, names, pattern } of sentences) {
    const m = pattern.exec(text);
    if (m) return t(key, Object.fromEntries(names.map((name, i) => [name, m[i + 1]])));
  }
  return text;
}

/** @type {() => void} */
let redraw = () => {};

/**
 * What to do when the reader picks another language (app.js: draw the page again).
 * @param {() => void} fn
 */
export function onLanguageChange(fn) {
  redraw = fn;
}

/**
 * The reader's pick (the login page's picker, the settings): used at once and remembered.
 * @param {Language | null} lang
 * @returns {boolean} whether the page is drawn again (in the new language)
 */
export function chooseLanguage(lang) {
  const changed = setLanguage(lang);
  if (changed) redraw();
  return changed;
}
