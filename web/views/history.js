// @ts-check
// Testing History: exams (sortable), CE activities (search, expandable import details),
// e-commerce transactions, agreements.
import { api, listOf, ApiError } from "../api.js";
import { h, table, field, uid } from "../dom.js";
import { heading, withLoading, subnav } from "../ui.js";
import * as fmt from "../format.js";
/** @import { Query } from "../api.js" */
/** @import { Agreement, CeActivity, Exam, Transaction, View } from "../types.js" */

/** @type {[string, string][]} */
const NAV = [
  ["#/history/exams", "Exams"],
  ["#/history/ce-activities", "CE Activities"],
  ["#/history/transactions", "E-commerce Transactions"],
  ["#/history/agreements", "Agreements"],
];

/** @type {[keyof Exam, string][]} */
const EXAM_COLUMNS = [
  ["code", "Code"],
  ["exam", "Exam"],
  ["registration_number", "Registration number"],
  ["grade", "Grade"],
  ["date", "Date"],
  ["expires", "Expires"],
];

/**
 * @param {unknown} a
 * @param {unknown} b
 */
function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

/**
 * GET a whole list, following `next` (bounded, so a runaway cursor cannot loop forever).
 * @param {string} path
 * @param {Query} query
 * @param {...string} names
 * @returns {Promise<unknown[]>} the caller names the item type
 */
async function getAll(path, query, ...names) {
  const items = [];
  /** @type {string | null | undefined} */
  let next = null;
  for (let page = 0; page < 20; page += 1) {
    const data = /** @type {{ next?: string | null } | unknown[] | null} */ (
      await api.get(path, { query: { ...query, limit: 100, next } })
    );
    items.push(...listOf(data, ...names));
    next = data && !Array.isArray(data) ? data.next : null;
    if (!next) break;
  }
  return items;
}

/** @type {View} */
export async function examsView(container, { path, query, navigate }) {
  const sort = EXAM_COLUMNS.map(([k]) => k).find((k) => k === query.get("sort")) || "date";
  const order = query.get("order") === "asc" ? "asc" : "desc";
  container.append(subnav("Testing History", NAV, path), heading("Exams"));
  /** @type {Exam[]} */
  let exams;
  try {
    exams = /** @type {Exam[]} */ (await withLoading(container, () => getAll("/me/exams", { sort, order }, "exams")));
  } catch (error) {
    // The server sorts by date; if it does not know another column, sort that column here.
    if (!(error instanceof ApiError) || ![400, 422].includes(error.status) || sort === "date") throw error;
    exams = /** @type {Exam[]} */ (await withLoading(container, () => getAll("/me/exams", { sort: "date", order }, "exams")));
    exams.sort((a, b) => compare(a[sort], b[sort]) * (order === "asc" ? 1 : -1));
  }
  const headers = EXAM_COLUMNS.map(([key, label]) => {
    const active = key === sort;
    const nextOrder = active && order === "asc" ? "desc" : "asc";
    return h(
      "th",
      { scope: "col", "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : null },
      h(
        "button",
        {
          type: "button",
          class: "sort",
          onclick: () => navigate(`#/history/exams?sort=${key}&order=${nextOrder}`),
        },
        label,
        h("span", { class: "sort-icon", "aria-hidden": "true" }, active ? (order === "asc" ? " ▲" : " ▼") : " ↕"),
        h("span", { class: "visually-hidden" }, active ? `, sorted ${order === "asc" ? "ascending" : "descending"}` : ", sortable"),
      ),
    );
  });
  container.append(
    table({
      caption: "Exams you have taken. Select a column heading to sort.",
      columns: headers,
      className: "exams",
      rows: exams.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, e.code),
          h("td", {}, e.exam),
          h("td", {}, e.registration_number),
          h("td", {}, e.grade),
          h("td", {}, fmt.date(e.date)),
          h("td", {}, fmt.date(e.expires, "Never")),
        ),
      ),
      empty: "No exams on record.",
    }),
  );
}

/** @type {View} */
export async function ceActivitiesView(container, { path, query, navigate }) {
  const q = query.get("q") || "";
  container.append(subnav("Testing History", NAV, path), heading("Continuing education activities"));
  const search = h("input", { type: "search", name: "q", value: q, maxlength: "100" });
  const form = h(
    "form",
    { role: "search", class: "search" },
    field("Search by name or provider", search),
    h("button", { type: "submit" }, "Search"),
    q ? h("a", { href: "#/history/ce-activities", class: "button secondary" }, "Clear") : null,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = search.value.trim();
    navigate(value ? `#/history/ce-activities?q=${encodeURIComponent(value)}` : "#/history/ce-activities");
  });
  container.append(form);
  const activities = /** @type {CeActivity[]} */ (
    await withLoading(container, () => getAll("/me/ce-activities", { q }, "activities"))
  );
  const rows = activities.flatMap((a) => {
    const detailId = uid("ce-detail");
    const detail = h(
      "tr",
      { id: detailId, class: "detail-row", hidden: true },
      h(
        "td",
        { colspan: 8 },
        h(
          "dl",
          { class: "inline" },
          h("dt", {}, "Import Source"),
          h("dd", {}, a.import_source || "n/a"),
          h("dt", {}, "External Id"),
          h("dd", {}, a.external_id || "n/a"),
        ),
      ),
    );
    const toggle = h(
      "button",
      {
        type: "button",
        class: "expander",
        "aria-expanded": "false",
        "aria-controls": detailId,
        onclick: () => {
          const open = toggle.getAttribute("aria-expanded") !== "true";
          toggle.setAttribute("aria-expanded", String(open));
          detail.hidden = !open;
        },
      },
      h("span", { class: "chevron", "aria-hidden": "true" }, "▸"),
      h("span", {}, a.name),
      h("span", { class: "visually-hidden" }, " (show import details)"),
    );
    return [
      h(
        "tr",
        {},
        h("th", { scope: "row" }, toggle),
        h("td", {}, fmt.date(a.active_date)),
        h("td", {}, fmt.date(a.expires, "Never")),
        h("td", {}, a.review || "n/a"),
        h("td", { class: "num" }, a.points ?? ""),
        h("td", {}, fmt.date(a.updated)),
        h("td", {}, a.provider_name || "n/a"),
        h("td", {}, a.source || "n/a"),
      ),
      detail,
    ];
  });
  container.append(
    table({
      caption: q ? `Activities matching “${q}”` : "Your continuing education activities",
      columns: ["Name", "Active date", "Expires", "Review", "Points", "Updated", "Provider Name", "Source"],
      rows,
      className: "ce",
      empty: q ? "No activities match your search." : "No continuing education activities yet.",
    }),
  );
}

const MONEY_KEYS = /_cents$/;

/** @type {View} */
export async function transactionsView(container, { path }) {
  container.append(subnav("Testing History", NAV, path), heading("E-commerce Transactions"));
  const data = await withLoading(container, () => api.get("/me/transactions"));
  const items = /** @type {Transaction[]} */ (listOf(data, "transactions"));
  // The contract leaves the columns open: show the fields the service returns, money formatted.
  const preferred = ["date", "created", "created_at", "order_id", "description", "name", "items", "payment_method", "total_cents", "amount_cents", "status"];
  const keys = [...new Set(items.flatMap((t) => Object.keys(t)))].filter((k) => k !== "currency" && k !== "next");
  keys.sort((a, b) => (preferred.indexOf(a) + 1 || 99) - (preferred.indexOf(b) + 1 || 99));
  const label = (/** @type {string} */ k) => fmt.titleCase(k.replace(MONEY_KEYS, "").replace(/_at$/, ""));
  /**
   * @param {Transaction} t
   * @param {string} k
   * @returns {string | number}
   */
  const cell = (t, k) => {
    const v = t[k];
    if (MONEY_KEYS.test(k)) return fmt.money(v, t.currency);
    if (k === "payment_method") return fmt.PAYMENT_METHODS[/** @type {string} */ (v)] || fmt.titleCase(v);
    if (Array.isArray(v)) return v.map((x) => (typeof x === "object" ? x.name || x.sku || JSON.stringify(x) : x)).join(", ");
    if (typeof v === "boolean") return fmt.yesNo(v);
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v)) return fmt.timestamp(v);
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return fmt.date(v);
    if (v && typeof v === "object") return JSON.stringify(v);
    return /** @type {string | number} */ (v ?? "n/a"); // JSON: what is left is a number or a string
  };
  container.append(
    table({
      caption: "Purchases and claims",
      columns: keys.length ? keys.map(label) : ["Date", "Description", "Amount", "Status"],
      rows: items.map((t) => h("tr", {}, keys.map((k) => h("td", {}, cell(t, k))))),
      empty: "No transactions yet.",
    }),
  );
}

/** @type {View} */
export async function agreementsView(container, { path }) {
  container.append(subnav("Testing History", NAV, path), heading("Certification agreements"));
  await agreementsTable(container);
}

/**
 * The agreements the candidate accepted (Testing History's and Certifications' agreements screens).
 * @param {HTMLElement} container
 */
export async function agreementsTable(container) {
  const data = await withLoading(container, () => api.get("/me/agreements"));
  const items = /** @type {Agreement[]} */ (listOf(data, "agreements"));
  container.append(
    table({
      caption: "Agreements you have accepted",
      columns: ["Name", "Active date", "Expires"],
      rows: items.map((a) =>
        h("tr", {}, h("td", {}, a.name), h("td", {}, fmt.date(a.active_date)), h("td", {}, fmt.date(a.expires, "Never"))),
      ),
      empty: "No agreements on record.",
    }),
  );
}

