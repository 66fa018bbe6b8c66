// @ts-check
// Testing History: exams (sortable), CE activities (search, expandable import details),
// e-commerce transactions, agreements.
import { api, listOf, ApiError } from "../api.js";
import { h, table, field, uid } from "../dom.js";
import { heading, withLoading, subnav } from "../ui.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
/** @import { Query } from "../api.js" */
/** @import { Agreement, CeActivity, Exam, Transaction, View } from "../types.js" */

/** @returns {[string, string][]} */
const NAV = () => [
  ["#/history/exams", t("history.nav.exams")],
  ["#/history/ce-activities", t("history.nav.ce")],
  ["#/history/transactions", t("history.nav.transactions")],
  ["#/history/agreements", t("history.nav.agreements")],
];

/** @param {string} path */
const historyNav = (path) => subnav(t("nav.history"), NAV(), path);

/** @type {(keyof Exam)[]} each one's heading is the catalogue's "history.col.<column>" */
const EXAM_COLUMNS = ["code", "exam", "registration_number", "grade", "date", "expires"];

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
  const sort = EXAM_COLUMNS.find((k) => k === query.get("sort")) || "date";
  const order = query.get("order") === "asc" ? "asc" : "desc";
  container.append(historyNav(path), heading(t("history.examsTitle")));
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
  const headers = EXAM_COLUMNS.map((key) => {
    const label = t(`history.col.${key}`);
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
        h(
          "span",
          { class: "visually-hidden" },
          active ? t(order === "asc" ? "history.sortedAsc" : "history.sortedDesc") : t("history.sortable"),
        ),
      ),
    );
  });
  container.append(
    table({
      caption: t("history.examsCaption"),
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
          h("td", {}, fmt.date(e.expires, t("fmt.never"))),
        ),
      ),
      empty: t("history.noExams"),
    }),
  );
}

/** @type {View} */
export async function ceActivitiesView(container, { path, query, navigate }) {
  const q = query.get("q") || "";
  container.append(historyNav(path), heading(t("history.ceTitle")));
  const search = h("input", { type: "search", name: "q", value: q, maxlength: "100" });
  const form = h(
    "form",
    { role: "search", class: "search" },
    field(t("history.search"), search),
    h("button", { type: "submit" }, t("history.searchButton")),
    q ? h("a", { href: "#/history/ce-activities", class: "button secondary" }, t("history.clear")) : null,
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
          h("dt", {}, t("history.importSource")),
          h("dd", {}, a.import_source || t("fmt.na")),
          h("dt", {}, t("history.externalId")),
          h("dd", {}, a.external_id || t("fmt.na")),
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
      h("span", { class: "visually-hidden" }, t("history.showDetails")),
    );
    return [
      h(
        "tr",
        {},
        h("th", { scope: "row" }, toggle),
        h("td", {}, fmt.date(a.active_date)),
        h("td", {}, fmt.date(a.expires, t("fmt.never"))),
        h("td", {}, a.review || t("fmt.na")),
        h("td", { class: "num" }, a.points ?? ""),
        h("td", {}, fmt.date(a.updated)),
        h("td", {}, a.provider_name || t("fmt.na")),
        h("td", {}, a.source || t("fmt.na")),
      ),
      detail,
    ];
  });
  container.append(
    table({
      caption: q ? t("history.ceMatching", { q }) : t("history.ceCaption"),
      columns: ["name", "activeDate", "expires", "review", "points", "updated", "provider", "source"].map((c) => t(`history.col.${c}`)),
      rows,
      className: "ce",
      empty: q ? t("history.noMatch") : t("history.noCe"),
    }),
  );
}

const TX_STATUSES = ["no_charge", "paid", "refunded", "expired", "cancelled"];

/** @type {View} */
export async function transactionsView(container, { path }) {
  container.append(historyNav(path), heading(t("history.txTitle")));
  const data = await withLoading(container, () => api.get("/me/transactions"));
  const items = /** @type {Transaction[]} */ (listOf(data, "transactions"));
  /** @param {Transaction} tx the status in words: the catalogue's for a known code, else the server's text */
  const status = (tx) =>
    TX_STATUSES.includes(String(tx.status)) ? t(`history.tx.${tx.status}`) : String(tx.status_text || tx.status || t("fmt.na"));
  container.append(
    table({
      caption: t("history.txCaption"),
      columns: ["date", "description", "order", "payment", "amount", "status"].map((c) => t(`history.col.${c}`)),
      rows: items.map((tx) =>
        h(
          "tr",
          {},
          h("td", {}, fmt.timestamp(/** @type {string} */ (tx.date))),
          h("td", {}, String(tx.description ?? "")),
          h("td", {}, String(tx.order_id ?? "")),
          h("td", {}, tx.payment_method ? fmt.PAYMENT_METHODS[String(tx.payment_method)] || fmt.titleCase(tx.payment_method) : t("fmt.na")),
          h("td", { class: "num" }, fmt.money(tx.amount_cents, tx.currency)),
          h("td", {}, status(tx)),
        ),
      ),
      empty: t("history.noTx"),
    }),
  );
}

/** @type {View} */
export async function agreementsView(container, { path }) {
  container.append(historyNav(path), heading(t("history.agreementsTitle")));
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
      caption: t("history.agreementsCaption"),
      columns: [t("history.col.name"), t("history.col.activeDate"), t("history.col.expires")],
      rows: items.map((a) =>
        h("tr", {}, h("td", {}, a.name), h("td", {}, fmt.date(a.active_date)), h("td", {}, fmt.date(a.expires, t("fmt.never")))),
      ),
      empty: t("history.noAgreements"),
    }),
  );
}

