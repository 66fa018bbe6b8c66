// @ts-check
// Display formats: dates as "2024-Apr-01" like the guide, instants in local time, money from integer cents.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * @param {unknown} value an ISO date (or date-time); anything else is shown as it is
 * @param {string} [fallback] shown for no value
 */
export function date(value, fallback = "n/a") {
  if (!value) return fallback;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value));
  if (!m) return String(value);
  return `${m[1]}-${MONTHS[Number(m[2]) - 1] || m[2]}-${m[3]}`;
}

// An instant in the reader's own time zone, named: "2024-Jun-02 14:05 GMT+9".
const LOCAL_TIME = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});

/**
 * @param {string | number | null | undefined} value
 * @param {string} [fallback]
 */
export function timestamp(value, fallback = "n/a") {
  if (!value) return fallback;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  /** @type {Record<string, string>} */
  const part = {};
  for (const { type, value: text } of LOCAL_TIME.formatToParts(d)) part[type] = text;
  return `${date(`${part.year}-${part.month}-${part.day}`)} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

/**
 * @param {unknown} cents
 * @param {string | null} [currency]
 */
export function money(cents, currency = "USD") {
  const amount = Number(cents || 0) / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency || ""}`.trim();
  }
}

/** @param {unknown} value */
export function yesNo(value) {
  if (value === true) return "Yes";
  if (value === false) return "No";
  return "n/a";
}

/** @param {unknown} value */
export function titleCase(value) {
  if (value === null || value === undefined || value === "") return "n/a";
  const s = String(value).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** @type {Record<string, string>} */
export const PAYMENT_METHODS = { paypal: "PayPal", debit_card: "Debit Card", credit_card: "Credit Card" };
