// @ts-check
// Operators: find a candidate (by id, email, registration number or name), read everything held
// about them (read-only), and the filterable list of every operator action (the audit).
import { api, listOf } from "../api.js";
import { h, append, table, field } from "../dom.js";
import { heading, withLoading } from "../ui.js";
import * as fmt from "../format.js";
import { opsNav } from "./ops_nav.js";
/** @import { AuditEntry, CandidateSearch, CandidateView, Page, View } from "../types.js" */

/** @type {Record<string, string>} how each match was found, in words */
const MATCHED_BY = {
  candidate_id: "Candidate ID",
  email: "Email",
  registration_number: "Registration number",
  name: "Name",
};

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
      "aria-label": "Find a candidate",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        navigate(`#/ops/candidates?q=${encodeURIComponent(input.value.trim())}`);
      },
    },
    field("Candidate ID, email, registration number or name", input, {
      hint: 'A name is a last name or its first letters ("Lovel"), "Lovelace, Ada" or "Ada Lovelace".',
    }),
    h("button", { type: "submit" }, "Search"),
  );
  container.append(opsNav("#/ops/candidates"), heading("Find a candidate"), form);
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
      h("td", {}, c.mapped ? "Mapped" : "Not mapped"),
      h("td", {}, MATCHED_BY[c.matched_by] || c.matched_by),
    ),
  );
  append(results, [
    table({
      caption: `Candidates matching “${q}”`,
      columns: ["Name", "Candidate ID", "Email", "Login", "Found by"],
      rows,
      empty: "No candidate matches. Check the spelling, or search by email or candidate ID.",
    }),
    data.truncated ? h("p", { class: "hint" }, "More candidates match: type more of the name to narrow the list.") : null,
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
    p.frozen ? `Frozen since ${fmt.date(p.frozen_at)} (support case ${p.frozen_case_id || "n/a"})` : null,
    p.email_suppressed ? "Email suppressed (bounced or complained)" : null,
    p.reminders_unsubscribed ? "Unsubscribed from expiry reminders" : null,
    p.in_name_index ? null : "Not in the name index (imported before it existed): find by ID or email",
  ].filter(Boolean);
  body.append(
    heading(`${p.first_name} ${p.last_name}`),
    h("p", {}, h("a", { href: `${candidateHref(p.candidate_id)}/actions` }, "Grants and corrections")),
    section(
      "Profile",
      h(
        "dl",
        { class: "details" },
        [
          ["Candidate ID", p.candidate_id],
          ["Email", p.email || "—"],
          ["Login", p.mapped ? `Mapped: ${p.login_id || "unknown login"} (${fmt.date(p.mapped_at)})` : "Not mapped"],
          ["Record created", fmt.date(p.created_at)],
          ["Testing vendor ID", p.vendor_testing_id || "—"],
        ].map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
      ),
      flags.length ? h("ul", { class: "flags" }, flags.map((text) => h("li", {}, text))) : null,
    ),
    section(
      "Certifications",
      table({
        caption: "Certifications and their standing today",
        columns: ["Certification", "Category", "Standing", "Active", "Expires"],
        rows: view.certifications.flatMap((group) =>
          (group.certifications || []).map((c) =>
            h(
              "tr",
              { dataset: { cert: c.id } },
              h("td", {}, c.name),
              h("td", {}, group.category),
              h("td", {}, fmt.titleCase(c.status)),
              h("td", {}, fmt.date(c.active_date)),
              h("td", {}, fmt.date(c.expiration_date)),
            ),
          ),
        ),
        empty: "No certification records.",
      }),
    ),
    section(
      "History",
      table({
        caption: "Certification history, newest first",
        columns: ["Date", "Event", "Certification"],
        rows: view.history.map((e) => h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, e.event), h("td", {}, e.certification_id || "—"))),
        empty: "No history events.",
      }),
    ),
    section(
      "Exams",
      table({
        caption: "Exams, newest first",
        columns: ["Date", "Exam", "Registration number", "Grade"],
        rows: view.exams.map((e) =>
          h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, `${e.code} ${e.exam}`), h("td", {}, e.registration_number), h("td", {}, e.grade)),
        ),
        empty: "No exams.",
      }),
    ),
    section(
      "CE credits",
      table({
        caption: "Continuing-education credits, newest first",
        columns: ["Activity", "Provider", "Points", "Active", "Expires"],
        rows: view.ce_credits.map((c) =>
          h("tr", {}, h("td", {}, c.name), h("td", {}, c.provider_name), h("td", {}, String(c.points)), h("td", {}, fmt.date(c.active_date)), h("td", {}, fmt.date(c.expires))),
        ),
        empty: "No CE credits.",
      }),
    ),
    section(
      "Orders and kits",
      table({
        caption: "Kits ordered, newest first",
        columns: ["Kit", "Order", "Status", "Queued", "Sent"],
        rows: view.kits.map((k) =>
          h("tr", {}, h("td", {}, k.name), h("td", {}, k.order_id || "—"), h("td", {}, fmt.titleCase(k.status)), h("td", {}, fmt.date(k.queued)), h("td", {}, fmt.date(k.sent))),
        ),
        empty: "No kits ordered.",
      }),
      table({
        caption: "Transactions, newest first",
        columns: ["Date", "Description", "Amount", "Status"],
        rows: view.transactions.map((t) =>
          h("tr", {}, h("td", {}, fmt.date(t.date)), h("td", {}, t.description), h("td", {}, fmt.money(t.amount_cents, t.currency)), h("td", {}, t.status_text)),
        ),
        empty: "No transactions.",
      }),
    ),
    section(
      "Transcripts",
      table({
        caption: "Transcripts (not revoked)",
        columns: ["Name", "Status", "Expires", "Views"],
        rows: view.transcripts.map((t) =>
          h("tr", {}, h("td", {}, t.display_name || t.transcript_id), h("td", {}, fmt.titleCase(t.status || "")), h("td", {}, fmt.date(t.expires_on)), h("td", {}, String(t.views ?? 0))),
        ),
        empty: "No transcripts.",
      }),
    ),
    section(
      "Open support cases",
      table({
        caption: "Open support cases naming this candidate",
        columns: ["Case", "Reason", "Records", "Opened"],
        rows: view.open_cases.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/ops/cases/${encodeURIComponent(c.case_id)}` }, c.case_id)),
            h("td", {}, fmt.titleCase(c.reason.replaceAll("_", " "))),
            h("td", {}, c.candidate_ids.join(", ")),
            h("td", {}, fmt.date(c.created_at)),
          ),
        ),
        empty: "No open support cases.",
      }),
    ),
    section("Operator actions", auditTable(view.audit, "Operator actions on this candidate, newest first")),
  );
}

/**
 * @param {AuditEntry[]} entries
 * @param {string} caption
 */
function auditTable(entries, caption) {
  return table({
    caption,
    columns: ["When", "Operator", "Candidate", "Action", "Target", "Before → after", "Reason"],
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
            : h("a", { href: `#/ops/imports/${encodeURIComponent(a.target)}` }, "Import"),
        ),
        h("td", {}, a.action),
        h("td", {}, a.target),
        h("td", {}, `${a.before ?? "—"} → ${a.after ?? "—"}`),
        h("td", {}, a.reason),
      ),
    ),
    empty: "No operator actions.",
  });
}

/** @type {View} */
export async function opsAuditView(container, { query, navigate }) {
  const filters = /** @type {[string, string, string][]} */ ([
    ["month", "Month", "YYYY-MM; empty: this month"],
    ["action", "Action", "e.g. kit_sent, grant"],
    ["operator", "Operator (login name)", ""],
    ["candidate_id", "Candidate ID", ""],
  ]);
  const inputs = filters.map(([name]) =>
    h("input", { name, type: name === "month" ? "month" : "text", value: query.get(name) || "", maxlength: 200, autocomplete: "off" }),
  );
  const form = h(
    "form",
    {
      "aria-label": "Filter the audit list",
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        const chosen = new URLSearchParams();
        inputs.forEach((input) => input.value.trim() && chosen.set(input.name, input.value.trim()));
        navigate(`#/ops/audit?${chosen}`);
      },
    },
    inputs.map((input, i) => field(filters[i][1], input, filters[i][2] ? { hint: filters[i][2] } : {})),
    h("button", { type: "submit" }, "Filter"),
  );
  container.append(opsNav("#/ops/audit"), heading("Audit: operator actions"), form);
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
    list.append(auditTable(/** @type {AuditEntry[]} */ (listOf(data, "items")), "Operator actions, newest first"));
    if (data && data.next) {
      const more = h("button", { type: "button", onclick: () => { more.remove(); load(data.next); } }, "Show more");
      list.append(more);
    }
  }
  await load(null);
}
