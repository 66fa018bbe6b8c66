// @ts-check
// Operators: find a candidate (by id, email, registration number or name), read everything held
// about them (read-only), and the filterable list of every operator action (the audit).
import { api, listOf } from "../api.js";
import { h, append, table, field } from "../dom.js";
import { heading, withLoading } from "../ui.js";
import * as fmt from "../format.js";
import { t, fromEnglish } from "../i18n.js";
import { opsNav } from "./ops_nav.js";
import { certStatus, reasonText } from "./ops_words.js";
/** @import { AuditEntry, CandidateSearch, CandidateView, Page, View } from "../types.js" */

/** how a match was found ("ops.lookup.matched.<code>") */
const MATCHED_BY = ["candidate_id", "email", "registration_number", "name"];
const KIT_STATUSES = ["queued", "sent", "complete", "awaiting_payment", "payment_submitted", "cancelled", "expired"];
const TX_STATUSES = ["no_charge", "paid", "refunded", "expired", "cancelled"];
const TRANSCRIPT_STATUSES = ["active", "expired", "revoked"];

/** @param {string} code */
const matchedBy = (code) => (MATCHED_BY.includes(code) ? t(`ops.lookup.matched.${code}`) : code);
/** @param {unknown} status a kit's status in the candidate screens' words */
const kitStatus = (status) => (KIT_STATUSES.includes(String(status)) ? t(`kit.status.${status}`) : fmt.titleCase(status));
/** @param {{ status?: string, status_text: string }} tx a transaction's status in the candidate screens' words */
const txStatus = (tx) => (TX_STATUSES.includes(String(tx.status)) ? t(`history.tx.${tx.status}`) : tx.status_text);
/** @param {string | null | undefined} status a transcript's status */
const transcriptStatus = (status) => (TRANSCRIPT_STATUSES.includes(String(status)) ? t(`status.${status}`) : fmt.titleCase(status || ""));

/** @param {string} id */
const candidateHref = (id) => `#/ops/candidates/${encodeURIComponent(id)}`;

/** @type {View} */
export async function opsCandidatesView(container, { query, navigate }) {
  const q = (query.get("q") || "").trim();
  const input = h("input", { name: "q", type: "search", value: q, maxlength: 200, autocomplete: "off" });
  const form = h(
    "form",
    {
      role: "search",
      "aria-label": t("ops.lookup.title"),
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        navigate(`#/ops/candidates?q=${encodeURIComponent(input.value.trim())}`);
      },
    },
    field(t("ops.lookup.query"), input, { hint: t("ops.lookup.queryHint") }),
    h("button", { type: "submit" }, t("ops.lookup.search")),
  );
  container.append(opsNav("#/ops/candidates"), heading(t("ops.lookup.title")), form);
  if (!q) return;
  const results = h("div", {});
  container.append(results);
  const data = /** @type {CandidateSearch} */ (await withLoading(results, () => api.get("/ops/candidates", { query: { q } })));
  const rows = data.items.map((c) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: candidateHref(c.candidate_id) }, `${c.first_name} ${c.last_name}`)),
      h("td", {}, c.candidate_id),
      h("td", {}, c.email || "—"),
      h("td", {}, c.mapped ? t("ops.lookup.mapped") : t("ops.lookup.notMapped")),
      h("td", {}, matchedBy(c.matched_by)),
    ),
  );
  append(results, [
    table({
      caption: t("ops.lookup.matching", { q }),
      columns: ["name", "candidate_id", "email", "login", "found_by"].map((c) => t(`ops.lookup.col.${c}`)),
      rows,
      empty: t("ops.lookup.noMatch"),
    }),
    data.truncated ? h("p", { class: "hint" }, t("ops.lookup.truncated")) : null,
  ]);
}

/**
 * A titled read-only section.
 * @param {string} title
 * @param {import("../dom.js").Child[]} content
 */
function section(title, ...content) {
  return h("section", { "aria-label": title }, h("h2", {}, title), ...content);
}

/** @type {View} */
export async function opsCandidateView(container, { params }) {
  const [candidateId] = params;
  container.append(opsNav("#/ops/candidates"));
  const body = h("div", {});
  container.append(body);
  const view = /** @type {CandidateView} */ (
    await withLoading(body, () => api.get(`/ops/candidates/${encodeURIComponent(candidateId)}`))
  );
  const p = view.profile;
  const flags = [
    p.frozen ? t("ops.lookup.frozen", { date: fmt.date(p.frozen_at), case: p.frozen_case_id || t("fmt.na") }) : null,
    p.email_suppressed ? t("ops.lookup.suppressed") : null,
    p.reminders_unsubscribed ? t("ops.lookup.unsubscribed") : null,
    p.in_name_index ? null : t("ops.lookup.notIndexed"),
  ].filter(Boolean);
  body.append(
    heading(`${p.first_name} ${p.last_name}`),
    h("p", {}, h("a", { href: `${candidateHref(p.candidate_id)}/actions` }, t("ops.lookup.actions"))),
    section(
      t("ops.lookup.profile"),
      h(
        "dl",
        { class: "details" },
        [
          [t("ops.lookup.col.candidate_id"), p.candidate_id],
          [t("ops.lookup.col.email"), p.email || "—"],
          [
            t("ops.lookup.col.login"),
            p.mapped
              ? t("ops.lookup.mappedTo", { login: p.login_id || t("ops.lookup.unknownLogin"), date: fmt.date(p.mapped_at) })
              : t("ops.lookup.notMapped"),
          ],
          [t("ops.lookup.created"), fmt.date(p.created_at)],
          [t("ops.lookup.vendorId"), p.vendor_testing_id || "—"],
        ].map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
      ),
      flags.length ? h("ul", { class: "flags" }, flags.map((text) => h("li", {}, text))) : null,
    ),
    section(
      t("ops.lookup.certs"),
      table({
        caption: t("ops.lookup.certsCaption"),
        columns: ["certification", "category", "standing", "active", "expires"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.certifications.flatMap((group) =>
          (group.certifications || []).map((c) =>
            h(
              "tr",
              { dataset: { cert: c.id } },
              h("td", {}, c.name),
              h("td", {}, group.category),
              h("td", {}, certStatus(c.status)),
              h("td", {}, fmt.date(c.active_date)),
              h("td", {}, fmt.date(c.expiration_date)),
            ),
          ),
        ),
        empty: t("ops.lookup.noCerts"),
      }),
    ),
    section(
      t("ops.lookup.history"),
      table({
        caption: t("ops.lookup.historyCaption"),
        columns: ["date", "event", "certification"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.history.map((e) => h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, fromEnglish("history.event.", e.event)), h("td", {}, e.certification_id || "—"))),
        empty: t("ops.lookup.noHistory"),
      }),
    ),
    section(
      t("ops.lookup.exams"),
      table({
        caption: t("ops.lookup.examsCaption"),
        columns: ["date", "exam", "registration_number", "grade"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.exams.map((e) =>
          h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, `${e.code} ${e.exam}`), h("td", {}, e.registration_number), h("td", {}, e.grade)),
        ),
        empty: t("ops.lookup.noExams"),
      }),
    ),
    section(
      t("ops.lookup.ce"),
      table({
        caption: t("ops.lookup.ceCaption"),
        columns: ["activity", "provider", "points", "active", "expires"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.ce_credits.map((c) =>
          h("tr", {}, h("td", {}, c.name), h("td", {}, c.provider_name), h("td", {}, fmt.number(c.points)), h("td", {}, fmt.date(c.active_date)), h("td", {}, fmt.date(c.expires))),
        ),
        empty: t("ops.lookup.noCe"),
      }),
    ),
    section(
      t("ops.lookup.orders"),
      table({
        caption: t("ops.lookup.kitsCaption"),
        columns: ["kit", "order", "status", "queued", "sent"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.kits.map((k) =>
          h("tr", {}, h("td", {}, k.name), h("td", {}, k.order_id || "—"), h("td", {}, kitStatus(k.status)), h("td", {}, fmt.date(k.queued)), h("td", {}, fmt.date(k.sent))),
        ),
        empty: t("ops.lookup.noKits"),
      }),
      table({
        caption: t("ops.lookup.txCaption"),
        columns: ["date", "description", "amount", "status"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.transactions.map((tx) =>
          h("tr", {}, h("td", {}, fmt.date(tx.date)), h("td", {}, tx.description), h("td", {}, fmt.money(tx.amount_cents, tx.currency)), h("td", {}, txStatus(tx))),
        ),
        empty: t("ops.lookup.noTx"),
      }),
    ),
    section(
      t("ops.lookup.transcripts"),
      table({
        caption: t("ops.lookup.transcriptsCaption"),
        columns: ["name", "status", "expires", "views"].map((c) => t(`ops.lookup.col.${c}`)),
        rows: view.transcripts.map((tr) =>
          h("tr", {}, h("td", {}, tr.display_name || tr.transcript_id), h("td", {}, transcriptStatus(tr.status)), h("td", {}, fmt.date(tr.expires_on)), h("td", {}, fmt.number(tr.views ?? 0))),
        ),
        empty: t("ops.lookup.noTranscripts"),
      }),
    ),
    section(
      t("ops.lookup.cases"),
      table({
        caption: t("ops.lookup.casesCaption"),
        columns: [t("ops.cases.col.case"), t("ops.cases.col.reason"), t("ops.cases.col.records"), t("ops.cases.col.opened")],
        rows: view.open_cases.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/ops/cases/${encodeURIComponent(c.case_id)}` }, c.case_id)),
            h("td", {}, reasonText(c.reason)),
            h("td", {}, c.candidate_ids.join(", ")),
            h("td", {}, fmt.date(c.created_at)),
          ),
        ),
        empty: t("ops.cases.none.open"),
      }),
    ),
    section(t("ops.audit.title"), auditTable(view.audit, t("ops.audit.candidateCaption"))),
  );
}

/**
 * @param {AuditEntry[]} entries
 * @param {string} caption
 */
function auditTable(entries, caption) {
  return table({
    caption,
    columns: ["when", "operator", "candidate", "action", "target", "change", "reason"].map((c) => t(`ops.audit.col.${c}`)),
    rows: entries.map((a) =>
      h(
        "tr",
        {},
        h("td", {}, fmt.timestamp(a.at)),
        h("td", {}, a.operator),
        // An import concerns no candidate: its row links to the import instead.
        h(
          "td",
          {},
          a.candidate_id
            ? h("a", { href: candidateHref(a.candidate_id) }, a.candidate_id)
            : h("a", { href: `#/ops/imports/${encodeURIComponent(a.target)}` }, t("ops.audit.import")),
        ),
        h("td", {}, a.action),
        h("td", {}, a.target),
        h("td", {}, `${a.before ?? "—"} → ${a.after ?? "—"}`),
        h("td", {}, a.reason),
      ),
    ),
    empty: t("ops.audit.none"),
  });
}

/** @type {View} */
export async function opsAuditView(container, { query, navigate }) {
  const filters = /** @type {[string, string, string][]} */ ([
    ["month", t("ops.audit.month"), t("ops.audit.monthHint")],
    ["action", t("ops.audit.action"), t("ops.audit.actionHint")],
    ["operator", t("ops.audit.operator"), ""],
    ["candidate_id", t("ops.audit.candidate"), ""],
  ]);
  const inputs = filters.map(([name]) =>
    h("input", { name, type: name === "month" ? "month" : "text", value: query.get(name) || "", maxlength: 200, autocomplete: "off" }),
  );
  const form = h(
    "form",
    {
      "aria-label": t("ops.audit.filters"),
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const chosen = new URLSearchParams();
        inputs.forEach((input) => input.value.trim() && chosen.set(input.name, input.value.trim()));
        navigate(`#/ops/audit?${chosen}`);
      },
    },
    inputs.map((input, i) => field(filters[i][1], input, filters[i][2] ? { hint: filters[i][2] } : {})),
    h("button", { type: "submit" }, t("ops.audit.filter")),
  );
  container.append(opsNav("#/ops/audit"), heading(t("ops.audit.heading")), form);
  const list = h("div", {});
  container.append(list);
  /** @type {Record<string, string>} */
  const chosen = {};
  for (const [name] of filters) {
    const value = query.get(name);
    if (value) chosen[name] = value;
  }

  /** @param {string | null | undefined} next */
  async function load(next) {
    const data = /** @type {Page<AuditEntry>} */ (
      await withLoading(list, () => api.get("/ops/audit", { query: { ...chosen, limit: 50, ...(next ? { next } : {}) } }))
    );
    list.append(auditTable(/** @type {AuditEntry[]} */ (listOf(data, "items")), t("ops.audit.caption")));
    if (data && data.next) {
      const more = h("button", { type: "button", onclick: () => { more.remove(); load(data.next); } }, t("ops.audit.more"));
      list.append(more);
    }
  }
  await load(null);
}
