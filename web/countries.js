// @ts-check
// ISO 3166-1 alpha-2 codes the shipping address accepts (the server's table, through rules.js), with names
// from the browser (Intl.DisplayNames).
import { TABLES } from "./rules.js";

export const COUNTRY_CODES = TABLES.countries;

/**
 * [code, name] pairs sorted by name.
 * @param {string} [locale]
 * @returns {[string, string][]}
 */
export function countryOptions(locale = "en") {
  /** @type {Intl.DisplayNames | null} */
  let names = null;
  try {
    names = new Intl.DisplayNames([locale], { type: "region" });
  } catch {
    names = null;
  }
  return COUNTRY_CODES.map((code) => /** @type {[string, string]} */ ([code, (names && names.of(code)) || code])).sort(
    (a, b) => a[1].localeCompare(b[1]),
  );
}
