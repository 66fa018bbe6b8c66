// @ts-check
// A request body checked before it is sent, by the server's own rules (rules.js, generated from the
// OpenAPI schema and the server's tables): every problem at once, one per field, in the server's words.
// The server checks everything again; what it alone can check (dates in the future, a certification's
// id, characters refused in public text) still comes back as a 422 next to the field.
import { SCHEMAS, TABLES, MESSAGES } from "./rules.js";
import { t, language, locale, sentencePattern } from "./i18n.js";
/** @import { FieldRule } from "./rules.js" */
/** @import { FieldError } from "./types.js" */

const LATIN = new RegExp(
  `^[A-Za-z0-9${TABLES.latinPunctuation.replace(/[\\\]\[^-]/g, "\\$&")}${TABLES.latinLetters}]*$`,
  "u",
);
// The shape of an address only; the server's email-validator decides the rest.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const COUNTRIES = new Set(TABLES.countries);

/**
 * A server sentence (English: the server's own words, rules.js) in the page's language, its `{n}` /
 * `{choices}` filled in.
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 */
export function sentence(key, values = {}) {
  return t(`field.${key}`, values);
}

/**
 * "a, b or c" (and "a, b and c"), as the server lists them in English; other languages by `Intl.ListFormat`.
 * @param {string[]} items
 * @param {"or" | "and"} [last]
 */
function listed(items, last = "or") {
  if (language() !== "en") {
    return new Intl.ListFormat(locale(), { type: last === "or" ? "disjunction" : "conjunction" }).format(items);
  }
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} ${t(`list.${last}`)} ${items[items.length - 1]}`;
}

/** @param {string} iso */
function isDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

/**
 * The problem with one value, or null.
 * @param {FieldRule} rule
 * @param {unknown} value
 * @param {Record<string, unknown>} body the value's object (for a rule that reads another field)
 * @returns {string | null}
 */
function problem(rule, value, body) {
  const text = typeof value === "string" ? value.normalize("NFC").trim() : value;
  if (text === undefined || text === null || (text === "" && (rule.minLength || 0) >= 1)) {
    const optional = Object.entries(rule.optionalIn || {}).some(([other, values]) =>
      values.includes(String(body[other] ?? "").trim().toUpperCase()),
    );
    return rule.required && !optional ? sentence("required") : null;
  }
  if (rule.type === "boolean" && typeof value !== "boolean") return sentence("boolean");
  if (typeof text === "string") {
    const length = [...text].length; // characters, as the server counts them
    if (rule.maxLength !== undefined && length > rule.maxLength) {
      return rule.maxLength === 1 ? sentence("tooLongOne") : sentence("tooLong", { n: rule.maxLength });
    }
    if (rule.minLength !== undefined && length < rule.minLength) return sentence("tooShort", { n: rule.minLength });
    if (rule.enum && !rule.enum.includes(text)) return sentence("choices", { choices: listed(rule.enum) });
    if (rule.format === "email" && !EMAIL.test(text)) return sentence("email");
    if (rule.format === "date" && !isDate(text)) return sentence("date");
    if (rule["x-rule"] === "latin" && !LATIN.test(text)) return sentence("latin");
    if (rule["x-rule"] === "country" && !COUNTRIES.has(text.toUpperCase())) return sentence("country");
    if (rule.pattern && !new RegExp(rule.pattern, "u").test(text)) {
      return sentence(rule["x-rule"] === "phone" ? "phone" : "pattern");
    }
  }
  if (Array.isArray(value)) {
    if (rule.maxItems !== undefined && value.length > rule.maxItems) {
      return rule.maxItems === 1 ? sentence("tooManyOne") : sentence("tooMany", { n: rule.maxItems });
    }
    if (rule.minItems !== undefined && value.length < rule.minItems) {
      return rule.minItems === 1 ? sentence("tooFewOne") : sentence("tooFew", { n: rule.minItems });
    }
  }
  return null;
}

/**
 * Every problem of `body` as a request of `schema` (a component of the OpenAPI schema, e.g.
 * "ShippingAddress"), with the field paths the server would name ("localized.city").
 * @param {string} schema
 * @param {Record<string, unknown>} body
 * @param {string} [prefix]
 * @returns {FieldError[]}
 */
export function check(schema, body, prefix = "") {
  const fields = SCHEMAS[schema];
  if (!fields) throw new Error(`No rules for ${schema}`);
  /** @type {FieldError[]} */
  const errors = [];
  for (const [name, rule] of Object.entries(fields)) {
    const value = body[name];
    const message = problem(rule, value, body);
    if (message) {
      errors.push({ field: prefix + name, message });
      continue;
    }
    if (rule.ref && value && typeof value === "object" && !Array.isArray(value)) {
      errors.push(...check(rule.ref, /** @type {Record<string, unknown>} */ (value), `${prefix}${name}.`));
    }
    if (rule.items && Array.isArray(value)) {
      const items = rule.items;
      value.forEach((item, i) => {
        if (items.ref && item && typeof item === "object") {
          errors.push(...check(items.ref, /** @type {Record<string, unknown>} */ (item), `${prefix}${name}.${i}.`));
        } else {
          const itemMessage = problem(items, item, body);
          if (itemMessage) errors.push({ field: `${prefix}${name}.${i}`, message: itemMessage });
        }
      });
    }
  }
  return errors;
}

/**
 * The live region's line for problems found before sending, as the server's 422 `detail` says it.
 * @param {string[]} labels the fields' labels
 */
export function summary(labels) {
  return sentence("summary", { fields: listed([...new Set(labels)], "and") });
}

// The server's English sentences as patterns ("Use at most {n} characters." → /^Use at most (.+) characters\.$/).
const SERVER_SENTENCES = Object.entries(MESSAGES).map(([key, text]) => ({ key, ...sentencePattern(text) }));

/**
 * A field message from the server (English) in the page's language when it is one of the sentences
 * the catalogues know; else as it came.
 * @param {string} message
 */
export function localizedMessage(message) {
  if (language() === "en") return message;
  for (const { key, names, pattern } of SERVER_SENTENCES) {
    const m = pattern.exec(message);
    if (m) return sentence(key, Object.fromEntries(names.map((name, i) => [name, m[i + 1]])));
  }
  return message;
}
