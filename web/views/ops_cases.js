// @ts-check
// Operators: the support cases (duplicate emails from the mapping flow, "this was not me" reports),
// one case with its records side by side, the merge into the record that stays (the survivor),
// closing a case without a merge, and help for the login waiting on it (the mapping email again,
// its rate-limit lockout lifted). Every write asks for a reason: it goes into the audit.
import { api, listOf, ApiError } from "../api.js";
import { h, table, field, uid } from "../dom.js";
import { heading, withLoading, flash, submitting, subnav, announce, showFieldErrors, clearFieldErrors, checkedBeforeSending } from "../ui.js";
import { check } from "../validate.js";
import * as fmt from "../format.js";
import { opsNav } from "./ops_nav.js";
/** @import { CaseRecord, CloseResult, LiftResult, MergeResult, Page, SupportCase, SupportCaseSummary, View } from "../types.js" */

/** @type {Record<string, string>} */
const REASONS = {
  duplicate_email: "Duplicate email",
  mapping_disputed: "Mapping disputed (“this was not me”)",
};
/** @type {[string, string][]} [status, label] */
const STATUSES = [
  ["open", "Open"],
  ["resolved", "Resolved"],
];
const PROGRESS_MS = 1500;
const PROGRESS_ROUNDS = 80;

/** @param {string} reason */
const reasonText = (reason) => REASONS[reason] || fmt.titleCase(reason.replaceAll("_", " "));
/** @param {string} id */
const caseHref = (id) => `#/ops/cases/${encodeURIComponent(id)}`;
/** @param {string} id */
const candidateHref = (id) => `#/ops/candidates/${encodeURIComponent(id)}`;

/** @param {CaseRecord} r */
function recordName(r) {
  if (!r.exists) return `${r.candidate_id} (no such record)`;
  return `${r.candidate_id} · ${[r.first_name, r.last_name].filter(Boolean).join(" ")}`;
}

/** Whether a record can stay (be the survivor) or be named by a help action: it exists, not merged. @param {CaseRecord} r */
const selectable = (r) => r.exists && !r.merged_into;

/** @type {View} */
export async function opsCasesView(container, { query, path }) {
  const status = query.get("status") === "resolved" ? "resolved" : "open";
  container.append(
    opsNav("#/ops/cases"),
    subnav(
      "Case status",
      STATUSES.map(([s, text]) => [`#/ops/cases?status=${s}`, text]),
      `${path}?status=${status}`,
    ),
    heading(status === "open" ? "Support cases: open" : "Support cases: resolved"),
  );
  const list = h("div", {});
  container.append(list);

  /** @param {string | null | undefined} next the cursor of the page to load (none: the first) */
  async function load(next) {
    const data = /** @type {Page<SupportCaseSummary> | null} */ (
      await withLoading(list, () => api.get("/ops/support-cases", { query: { status, limit: 50, ...(next ? { next } : {}) } }))
    );
    const items = /** @type {SupportCaseSummary[]} */ (listOf(data, "items"));
    list.append(
      table({
        caption: status === "open" ? "Open support cases, oldest first" : "Resolved support cases, newest first",
        columns: ["Case", "Reason", "Records", "Opened"],
        rows: items.map((c) =>
          h(
            "tr",
            { dataset: { case: c.case_id } },
            h("td", {}, h("a", { href: caseHref(c.case_id) }, c.case_id)),
            h("td", {}, reasonText(c.reason)),
            h("td", {}, c.candidate_ids.join(", ")),
            h("td", {}, fmt.timestamp(c.created_at)),
          ),
        ),
        empty: status === "open" ? "No open support cases." : "No resolved support cases.",
      }),
    );
    if (data && data.next) {
      const more = h("button", { type: "button", onclick: () => { more.remove(); load(data.next); } }, "Show more");
      list.append(more);
    }
  }
  await load(null);
}

/**
 * A term/value list.
 * @param {[string, import("../dom.js").Child][]} pairs
 */
function facts(pairs) {
  return h("dl", { class: "summary" }, pairs.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/**
 * One record of the case as a card: who, its login, its certifications and how much it holds.
 * @param {CaseRecord} r
 * @param {HTMLInputElement | null} radio the survivor choice, when the case can be merged
 */
function recordCard(r, radio) {
  const titleId = uid("record");
  const state = [
    r.merged_into ? `Merged into ${r.merged_into}` : null,
    r.frozen ? "Frozen (a disputed mapping)" : null,
  ].filter(Boolean);
  return h(
    "article",
    { class: "card case-record", "aria-labelledby": titleId, dataset: { candidate: r.candidate_id } },
    h("h3", { id: titleId }, recordName(r)),
    radio
      ? h("div", { class: "radio" }, radio, h("label", { for: radio.id }, `Keep ${r.candidate_id} (the survivor)`))
      : null,
    r.exists
      ? [
          h("p", {}, h("a", { href: candidateHref(r.candidate_id) }, `Open the candidate view of ${r.candidate_id}`)),
          facts([
            ["Email", r.email || "—"],
            ["Record created", fmt.date(r.created_at)],
            ["Login", r.mapped_login ? `Mapped: ${r.mapped_login}` : "Not mapped"],
            ["State", state.length ? state.join("; ") : "Active record"],
          ]),
          h("h4", {}, "Certifications"),
          r.certifications.length
            ? h(
                "ul",
                { class: "case-certs" },
                r.certifications.map((c) =>
                  h("li", {}, `${c.cert_id}: ${fmt.titleCase(c.status)}`, c.expiration_date ? `, expires ${fmt.date(c.expiration_date)}` : ""),
                ),
              )
            : h("p", {}, "None."),
          h("h4", {}, "What it holds"),
          facts([
            ["Exams", String(r.exams)],
            ["CE credits", String(r.ce_credits)],
            ["Agreements", String(r.agreements)],
            ["Orders", String(r.orders)],
            ["Kits", String(r.kits)],
            ["Transactions", String(r.transactions)],
            ["Transcripts", String(r.transcripts)],
            ["Operator actions", String(r.audit_entries)],
          ]),
        ]
      : h("p", {}, "No candidate record has this id."),
  );
}

/**
 * A required multi-line reason (kept in the audit), refused before sending when blank.
 * @param {string} name the API's field name
 * @param {string} label
 * @param {string} hint
 */
function reasonField(name, label, hint) {
  const control = h("textarea", { name, rows: 3, maxlength: 500 });
  return { control, box: field(label, control, { hint, required: true }) };
}

/**
 * Show `message` next to the form's field `name` (what the API would say, said before sending).
 * @param {HTMLFormElement} form
 * @param {string} name
 * @param {string} message
 */
function fieldProblem(form, name, message) {
  showFieldErrors(form, { fieldErrors: [{ field: name, message }] });
}

/** @type {View} */
export async function opsCaseView(container, { params, navigate }) {
  const [caseId] = params;
  container.append(opsNav("#/ops/cases"), h("p", {}, h("a", { href: "#/ops/cases" }, "All open support cases")));
  const body = h("div", { class: "case-view" });
  container.append(body);
  const found = /** @type {SupportCase} */ (
    await withLoading(body, () => api.get(`/ops/support-cases/${encodeURIComponent(caseId)}`))
  );
  const reload = () => navigate(caseHref(caseId));

  const c = found;
  const open = c.status === "open";
  const resolution = c.resolution === "merged" ? `Merged into ${c.survivor}` : c.resolution === "closed" ? "Closed without merging" : c.resolution;
  const asked = c.requests || 1; // cases opened before the counter existed count their first request
  const running = c.merge && c.merge.phase !== "done" ? c.merge : null;
  body.append(
    heading(`Support case ${c.case_id}`),
    h(
      "section",
      { "aria-labelledby": "case-facts" },
      h("h2", { id: "case-facts" }, "The case"),
      facts([
        ["Reason", reasonText(c.reason)],
        ["Status", open ? "Open" : "Resolved"],
        ["Opened", fmt.timestamp(c.created_at)],
        ["Last asked", `${fmt.timestamp(c.last_requested_at)} (${asked === 1 ? "asked once" : `asked ${asked} times`})`],
        ["Login waiting", c.login_username ? `${c.login_username} (${c.login_sub})` : c.login_sub],
        ...(open
          ? []
          : /** @type {[string, string][]} */ ([
              ["Resolution", resolution || "—"],
              ["Note", c.note || "—"],
              ["Resolved", `${fmt.timestamp(c.resolved_at)} by ${c.resolved_by || "—"}`],
            ])),
      ]),
      running
        ? h(
            "p",
            { class: "notice", role: "status", id: "merge-progress" },
            `A merge into ${running.survivor} started ${fmt.timestamp(running.started_at)} and has not finished ` +
              `(${running.phase}: ${running.moved} items moved). Merge again into ${running.survivor} to finish it.`,
          )
        : null,
    ),
  );

  // The records side by side; while the case is open, inside the merge form with a survivor choice each.
  const radios = c.records.map((r) =>
    open && selectable(r)
      ? h("input", {
          type: "radio",
          name: "survivor",
          value: r.candidate_id,
          id: uid("survivor"),
          checked: running ? running.survivor === r.candidate_id : false,
          "aria-describedby": "survivor-error",
        })
      : null,
  );
  const cards = h("div", { class: "case-records" }, c.records.map((r, i) => recordCard(r, radios[i])));
  const mergeable = open && radios.filter(Boolean).length >= 2;
  if (!mergeable) {
    body.append(h("section", { "aria-labelledby": "case-records" }, h("h2", { id: "case-records" }, "Records side by side"), cards));
  } else {
    body.append(mergeSection(c, cards, radios, reload));
  }
  if (open) body.append(closeSection(c, reload));
  body.append(helpSection(c));
}

/**
 * The merge form: the records (each with its survivor radio), a reason, "Merge", then a confirmation
 * step naming what moves where; the result is shown on the case as it is reloaded.
 * @param {SupportCase} c
 * @param {HTMLElement} cards
 * @param {(HTMLInputElement | null)[]} radios
 * @param {() => void} reload
 */
function mergeSection(c, cards, radios, reload) {
  const reason = reasonField(
    "reason",
    "Why merge (kept in the audit)",
    "For example: same person, checked against the exam registrations.",
  );
  const confirmTitle = h("h3", { tabindex: "-1", id: "merge-confirm-title" }, "Confirm the merge");
  const confirmText = h("p", {});
  const confirmButton = h("button", { type: "submit", class: "primary" }, "Yes, merge the records");
  const cancelButton = h("button", { type: "button", class: "secondary" }, "Cancel");
  const confirmBox = h(
    "div",
    { class: "notice", role: "group", "aria-labelledby": "merge-confirm-title", hidden: true },
    confirmTitle,
    confirmText,
    h("div", { class: "actions" }, confirmButton, cancelButton),
  );
  const mergeButton = h("button", { type: "submit", class: "primary" }, "Merge…");
  const progress = h("p", { role: "status", id: "merge-status" });
  const chosen = () => radios.find((r) => r && r.checked) || null;
  const form = h(
    "form",
    { "aria-labelledby": "case-records", novalidate: true },
    h(
      "fieldset",
      { dataset: { field: "survivor" } },
      h("legend", {}, "Which record stays? (the survivor)"),
      h(
        "p",
        { class: "hint" },
        "Everything the other records hold moves to the survivor; they keep resolving to it. The waiting login is mapped to it and the candidate is emailed.",
      ),
      cards,
      h("p", { class: "field-error", id: "survivor-error", hidden: true }),
    ),
    reason.box,
    h("div", { class: "actions" }, mergeButton),
    confirmBox,
    progress,
  );
  const unconfirm = () => {
    confirmBox.hidden = true;
    mergeButton.hidden = false;
  };
  cancelButton.addEventListener("click", () => {
    unconfirm();
    mergeButton.focus();
  });
  form.addEventListener("change", unconfirm);
  form.addEventListener("input", unconfirm);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const survivor = chosen();
    const why = reason.control.value.trim();
    if (confirmBox.hidden) {
      clearFieldErrors(form);
      if (!survivor) {
        fieldProblem(form, "survivor", "Choose the record that stays.");
        return;
      }
      if (!why) {
        fieldProblem(form, "reason", "Write why these records are merged; it is kept in the audit.");
        return;
      }
      const others = c.records.filter((r) => selectable(r) && r.candidate_id !== survivor.value).map((r) => r.candidate_id);
      confirmText.textContent =
        `Merge ${others.join(", ")} into ${survivor.value}? Exams, CE credits, agreements, orders, kits, transcripts and ` +
        `audit entries move to ${survivor.value}, and ${others.length > 1 ? "the others become pointers" : "the other becomes a pointer"} to it. ` +
        "A merge cannot be undone.";
      mergeButton.hidden = true;
      confirmBox.hidden = false;
      confirmTitle.focus();
      return;
    }
    if (!survivor) return;
    progress.textContent = `Merging into ${survivor.value}…`;
    let underWay = "";
    const result = /** @type {MergeResult | null | undefined} */ (
      await submitting(
        form,
        async () => {
          try {
            return await api.post(`/ops/support-cases/${encodeURIComponent(c.case_id)}/merge`, { survivor: survivor.value, reason: why });
          } catch (error) {
            // Another request runs this merge: follow it instead of failing.
            if (!(error instanceof ApiError && error.code === "merge_in_progress")) throw error;
            underWay = error.message;
            return null;
          }
        },
        { busyText: "Merging…" },
      )
    );
    if (underWay) {
      progress.textContent = underWay;
      followMerge(c.case_id, progress, reload);
      return;
    }
    if (result) {
      flash(
        `Merged ${result.merged.join(", ")} into ${result.survivor}: ${result.moved} items moved` +
          (result.dropped ? `, ${result.dropped} duplicates dropped` : "") +
          (result.login_mapped ? "; the waiting login is mapped to it and the candidate is emailed." : "; the login could not be mapped to it (it is mapped to another login): the candidate is emailed."),
        "success",
      );
      reload();
      return;
    }
    progress.textContent = "";
    unconfirm();
  });
  return h("section", { "aria-labelledby": "case-records" }, h("h2", { id: "case-records" }, "Records side by side"), form);
}

/**
 * Close the case without a merge, with a note of what was done instead.
 * @param {SupportCase} c
 * @param {() => void} reload
 */
function closeSection(c, reload) {
  const note = h("textarea", { name: "note", rows: 3, maxlength: 1000 });
  const form = h(
    "form",
    { "aria-labelledby": "case-close", novalidate: true },
    field("Note (what was done instead of a merge)", note, {
      required: true,
      hint: "For example: two different people who share a family address. Kept on the case and in the audit.",
    }),
    h("button", { type: "submit" }, "Close without merging"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = note.value.trim();
    if (!checkedBeforeSending(form, check("CloseRequest", { note: text }))) return;
    const closed = /** @type {CloseResult | undefined} */ (
      await submitting(form, () => api.post(`/ops/support-cases/${encodeURIComponent(c.case_id)}/close`, { note: text }), {
        busyText: "Closing…",
      })
    );
    if (closed) {
      flash(
        `Support case ${c.case_id} is closed without merging.` + (closed.unfrozen.length ? ` Unlocked: ${closed.unfrozen.join(", ")}.` : ""),
        "success",
      );
      reload();
    }
  });
  return h("section", { "aria-labelledby": "case-close" }, h("h2", { id: "case-close" }, "Close without merging"), form);
}

/**
 * A select of the case's records that an action may name.
 * @param {string} name
 * @param {CaseRecord[]} records
 */
function recordSelect(name, records) {
  return h(
    "select",
    { name },
    records.map((r) => h("option", { value: r.candidate_id }, recordName(r))),
  );
}

/**
 * Help for the waiting login: the mapping email again (to a record's address on file), and its
 * rate-limit lockout lifted (the audit lands on the record chosen).
 * @param {SupportCase} c
 */
function helpSection(c) {
  const live = c.records.filter(selectable);
  const login = c.login_username || c.login_sub;
  const section = h(
    "section",
    { "aria-labelledby": "case-help" },
    h("h2", { id: "case-help" }, `Help for the login ${login}`),
  );
  if (!live.length) {
    section.append(h("p", {}, "No record of this case can be named: each one is merged or missing."));
    return section;
  }

  // Once the waiting login is mapped (a merge maps it to the survivor) there is no mapping email to send.
  const mappedTo = c.login_username ? live.find((r) => r.mapped_login === c.login_username) : undefined;
  const unmapped = live.filter((r) => !r.mapped_login);
  const resendTo = recordSelect("candidate_id", unmapped);
  const resendWhy = reasonField("reason", "Why send the mapping email again", "For example: the first email never arrived.");
  const resendDone = h("p", { role: "status" });
  const resend = h(
    "form",
    { class: "card", "aria-labelledby": "help-resend", novalidate: true },
    h("h3", { id: "help-resend" }, "Send the mapping email again"),
    field("Record whose address gets it", resendTo, { hint: "The email goes to the address on file, for this login." }),
    resendWhy.box,
    h("button", { type: "submit" }, "Send the mapping email"),
    resendDone,
  );
  resend.addEventListener("submit", async (event) => {
    event.preventDefault();
    resendDone.textContent = "";
    const why = resendWhy.control.value.trim();
    if (!why) {
      fieldProblem(resend, "reason", "Write why the email is sent again; it is kept in the audit.");
      return;
    }
    const body = { login_sub: c.login_sub, reason: why, ...(c.login_username ? { login_username: c.login_username } : {}) };
    const sent = await submitting(resend, () => api.post(`/ops/candidates/${encodeURIComponent(resendTo.value)}/mapping-email`, body), {
      busyText: "Sending…",
    });
    if (sent) {
      resendWhy.control.value = "";
      resendDone.textContent = `The mapping email for ${login} is on its way to the address on file of ${resendTo.value}.`;
    }
  });

  const liftFor = recordSelect("candidate_id", live);
  const liftWhy = reasonField("reason", "Why lift the lockout", "For example: identity checked on the phone.");
  const liftDone = h("p", { role: "status" });
  const lift = h(
    "form",
    { class: "card", "aria-labelledby": "help-lift", novalidate: true },
    h("h3", { id: "help-lift" }, "Lift the login's rate-limit lockout"),
    field("Record being helped (the audit names it)", liftFor),
    liftWhy.box,
    h("button", { type: "submit" }, "Lift the lockout"),
    liftDone,
  );
  lift.addEventListener("submit", async (event) => {
    event.preventDefault();
    liftDone.textContent = "";
    const why = liftWhy.control.value.trim();
    if (!why) {
      fieldProblem(lift, "reason", "Write why the lockout is lifted; it is kept in the audit.");
      return;
    }
    const lifted = /** @type {LiftResult | undefined} */ (
      await submitting(
        lift,
        () => api.post(`/ops/logins/${encodeURIComponent(c.login_sub)}/rate-limits/lift`, { candidate_id: liftFor.value, reason: why }),
        { busyText: "Lifting…" },
      )
    );
    if (lifted) {
      liftWhy.control.value = "";
      liftDone.textContent = lifted.lifted.length
        ? `Lifted ${lifted.lifted.length} rate ${lifted.lifted.length === 1 ? "limit" : "limits"} of ${login}: it can ask again now.`
        : `${login} had no lockout to lift.`;
    }
  });
  const resendPart = mappedTo
    ? h("div", { class: "card" }, h("h3", {}, "Mapping email"), h("p", {}, `${login} is mapped to ${mappedTo.candidate_id}: there is no mapping email to send.`))
    : unmapped.length
      ? resend
      : h("div", { class: "card" }, h("h3", {}, "Mapping email"), h("p", {}, "Every record of this case is mapped to a login: there is no mapping email to send."));
  section.append(h("div", { class: "grid-2" }, resendPart, lift));
  return section;
}

/**
 * While another request runs the merge (409 `merge_in_progress`), follow its progress on the case
 * and reload it once the merge is done.
 * @param {string} caseId
 * @param {HTMLElement} status
 * @param {() => void} reload
 * @param {number} [round]
 */
async function followMerge(caseId, status, reload, round = 0) {
  if (!status.isConnected || round >= PROGRESS_ROUNDS) return;
  try {
    const c = /** @type {SupportCase} */ (await api.get(`/ops/support-cases/${encodeURIComponent(caseId)}`));
    if (c.status !== "open" || !c.merge || c.merge.phase === "done") {
      reload();
      return;
    }
    status.textContent = `The merge into ${c.merge.survivor} is under way: ${c.merge.moved} items moved.`;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    announce(/** @type {Error} */ (error).message, "error");
    return;
  }
  setTimeout(() => followMerge(caseId, status, reload, round + 1), PROGRESS_MS);
}
