// @ts-check
// Display formats through Intl in the page's language (i18n.locale()): in English dates read
// "2024-Apr-01" like the guide, in Japanese "2024/04/01"; instants in local time; money from integer cents.
import { language, locale, t } from "./i18n.js";

/** @param {number} y @param {number} m 1-12 @param {number} d */
function calendarDate(y, m, d) {
  const day = new Date(Date.UTC(y, m - 1, d));
  if (language() === "en") {
    const month = new Intl.DateTimeFormat(locale(), { month: "short", timeZone: "UTC" }).format(day);
    return `${y}-${month}-${String(d).padStart(2, "0")}`;
  }
  return new Intl.DateTimeFormat(locale(), { year: "numeric", month: "2-digit", day: "2-digit", timeZone: "UTC" }).format(day);
}

/**
 * @param {unknown} value an ISO date (or date-time); anything else is shown as it is
 * @param {string} [fallback] shown for no value
 */
export function date(value, fallback = t("fmt.na")) {
  if (!value) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!m) return String(value);
  return calendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * An instant in the reader's own time zone, named: "2024-Jun-02 14:05 GMT+9".
 * @param {string | number | null | undefined} value
 * @param {string} [fallback]
 */
export function timestamp(value, fallback = t("fmt.na")) {
  if (!value) return fallback;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const local = new Intl.DateTimeFormat(language() === "en" ? "en-US" : locale(), {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
  /** @type {Record<string, string>} */
  const part = {};
  for (const { type, value: text } of local.formatToParts(d)) part[type] = text;
  return `${calendarDate(Number(part.year), Number(part.month), Number(part.day))} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

/**
 * @param {unknown} cents
 * @param {string | null} [currency]
 */
export function money(cents, currency = "USD") {
  const amount = Number(cents || 0) / 100;
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency: currency || "USD" }).format(amount);
  } catch {
    return `${new Intl.NumberFormat(locale(), { minimumFractionDigits: 2 }).format(amount)} ${currency || ""}`.trim();
  }
}

/** @param {unknown} value a number in the page's language */
export function number(value) {
  return new Intl.NumberFormat(locale()).format(Number(value || 0));
}

/** @param {unknown} value */
export function yesNo(value) {
  if (value === true) return t("fmt.yes");
  if (value === false) return t("fmt.no");
  return t("fmt.na");
}

/** @param {unknown} value */
export function titleCase(value) {
  if (value === null || value === undefined || value === "") return t("fmt.na");
  const s = String(value).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The payment methods in words (in the page's language when the catalogue knows them). */
/** @type {Record<string, string>} */
export const PAYMENT_METHODS = new Proxy(/** @type {Record<string, string>} */ ({}), {
  get: (_, method) => (["paypal", "debit_card", "credit_card"].includes(String(method)) ? t(`pay.${String(method)}`) : undefined),
});
