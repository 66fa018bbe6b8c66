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
import { language, t } from "../i18n.js";
import { opsNav } from "./ops_nav.js";
import { certStatus, reasonText } from "./ops_words.js";
/** @import { CaseRecord, CloseResult, LiftResult, MergeResult, Page, SupportCase, SupportCaseSummary, View } from "../types.js" */

const STATUSES = ["open", "resolved"];
const PROGRESS_MS = 1500;
const PROGRESS_ROUNDS = 80;

/** @param {string} id */
const caseHref = (id) => `#/ops/cases/${encodeURIComponent(id)}`;
/** @param {string} id */
const candidateHref = (id) => `#/ops/candidates/${encodeURIComponent(id)}`;

/** @param {CaseRecord} r */
function recordName(r) {
  if (!r.exists) return t("ops.cases.record.missing", { id: r.candidate_id });
  return t("ops.cases.record.name", { id: r.candidate_id, name: [r.first_name, r.last_name].filter(Boolean).join(" ") });
}

/** Whether a record can stay (be the survivor) or be named by a help action: it exists, not merged. @param {CaseRecord} r */
const selectable = (r) => r.exists && !r.merged_into;

/** @type {View} */
export async function opsCasesView(container, { query, path }) {
  const status = query.get("status") === "resolved" ? "resolved" : "open";
  container.append(
    opsNav("#/ops/cases"),
    subnav(
      t("ops.cases.statusNav"),
      STATUSES.map((s) => [`#/ops/cases?status=${s}`, t(`ops.cases.status.${s}`)]),
      `${path}?status=${status}`,
    ),
    heading(t(`ops.cases.title.${status}`)),
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
        caption: t(`ops.cases.caption.${status}`),
        columns: [t("ops.cases.col.case"), t("ops.cases.col.reason"), t("ops.cases.col.records"), t("ops.cases.col.opened")],
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
        empty: t(`ops.cases.none.${status}`),
      }),
    );
    if (data && data.next) {
      const more = h("button", { type: "button", onclick: () => { more.remove(); load(data.next); } }, t("ops.cases.more"));
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
    r.merged_into ? t("ops.cases.mergedInto", { id: r.merged_into }) : null,
    r.frozen ? t("ops.cases.record.frozen") : null,
  ].filter(Boolean);
  return h(
    "article",
    { class: "card case-record", "aria-labelledby": titleId, dataset: { candidate: r.candidate_id } },
    h("h3", { id: titleId }, recordName(r)),
    radio
      ? h("div", { class: "radio" }, radio, h("label", { for: radio.id }, t("ops.cases.record.keep", { id: r.candidate_id })))
      : null,
    r.exists
      ? [
          h("p", {}, h("a", { href: candidateHref(r.candidate_id) }, t("ops.cases.record.open", { id: r.candidate_id }))),
          facts([
            [t("ops.cases.record.email"), r.email || "—"],
            [t("ops.cases.record.created"), fmt.date(r.created_at)],
            [t("ops.cases.record.login"), r.mapped_login ? t("ops.cases.record.mapped", { login: r.mapped_login }) : t("ops.cases.record.notMapped")],
            [t("ops.cases.record.state"), state.length ? state.join("; ") : t("ops.cases.record.active")],
          ]),
          h("h4", {}, t("ops.cases.record.certifications")),
          r.certifications.length
            ? h(
                "ul",
                { class: "case-certs" },
                r.certifications.map((c) =>
                  h(
                    "li",
                    {},
                    c.expiration_date
                      ? t("ops.cases.record.certExpires", { cert: c.cert_id, status: certStatus(c.status), date: fmt.date(c.expiration_date) })
                      : t("ops.cases.record.cert", { cert: c.cert_id, status: certStatus(c.status) }),
                  ),
                ),
              )
            : h("p", {}, t("ops.cases.record.noCerts")),
          h("h4", {}, t("ops.cases.record.holds")),
          facts(
            /** @type {[string, number][]} */ ([
              ["exams", r.exams],
              ["ce_credits", r.ce_credits],
              ["agreements", r.agreements],
              ["orders", r.orders],
              ["kits", r.kits],
              ["transactions", r.transactions],
              ["transcripts", r.transcripts],
              ["audit_entries", r.audit_entries],
            ]).map(([what, count]) => [t(`ops.cases.holds.${what}`), fmt.number(count)]),
          ),
        ]
      : h("p", {}, t("ops.cases.record.none")),
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
  container.append(opsNav("#/ops/cases"), h("p", {}, h("a", { href: "#/ops/cases" }, t("ops.cases.back"))));
  const body = h("div", { class: "case-view" });
  container.append(body);
  const found = /** @type {SupportCase} */ (
    await withLoading(body, () => api.get(`/ops/support-cases/${encodeURIComponent(caseId)}`))
  );
  const reload = () => navigate(caseHref(caseId));

  const c = found;
  const open = c.status === "open";
  const resolution =
    c.resolution === "merged" ? t("ops.cases.mergedInto", { id: c.survivor || "—" }) : c.resolution === "closed" ? t("ops.cases.resolution.closed") : c.resolution;
  const asked = c.requests || 1; // cases opened before the counter existed count their first request
  const running = c.merge && c.merge.phase !== "done" ? c.merge : null;
  body.append(
    heading(t("ops.cases.case.title", { id: c.case_id })),
    h(
      "section",
      { "aria-labelledby": "case-facts" },
      h("h2", { id: "case-facts" }, t("ops.cases.case.facts")),
      facts([
        [t("ops.cases.case.reason"), reasonText(c.reason)],
        [t("ops.cases.case.status"), t(`ops.cases.status.${open ? "open" : "resolved"}`)],
        [t("ops.cases.case.opened"), fmt.timestamp(c.created_at)],
        [
          t("ops.cases.case.lastAsked"),
          t(asked === 1 ? "ops.cases.case.askedOnce" : "ops.cases.case.askedTimes", {
            when: fmt.timestamp(c.last_requested_at),
            count: fmt.number(asked),
          }),
        ],
        [t("ops.cases.case.login"), c.login_username ? `${c.login_username} (${c.login_sub})` : c.login_sub],
        ...(open
          ? []
          : /** @type {[string, string][]} */ ([
              [t("ops.cases.case.resolution"), resolution || "—"],
              [t("ops.cases.case.note"), c.note || "—"],
              [t("ops.cases.case.resolved"), t("ops.cases.case.resolvedBy", { when: fmt.timestamp(c.resolved_at), who: c.resolved_by || "—" })],
            ])),
      ]),
      running
        ? h(
            "p",
            { class: "notice", role: "status", id: "merge-progress" },
            t("ops.cases.case.unfinished", {
              survivor: running.survivor,
              when: fmt.timestamp(running.started_at),
              phase: running.phase,
              moved: fmt.number(running.moved),
            }),
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
    body.append(h("section", { "aria-labelledby": "case-records" }, h("h2", { id: "case-records" }, t("ops.cases.records")), cards));
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
  const reason = reasonField("reason", t("ops.cases.merge.why"), t("ops.cases.merge.whyHint"));
  const confirmTitle = h("h3", { tabindex: "-1", id: "merge-confirm-title" }, t("ops.cases.merge.confirmTitle"));
  const confirmText = h("p", {});
  const confirmButton = h("button", { type: "submit", class: "primary" }, t("ops.cases.merge.yes"));
  const cancelButton = h("button", { type: "button", class: "secondary" }, t("ops.cases.merge.cancel"));
  const confirmBox = h(
    "div",
    { class: "notice", role: "group", "aria-labelledby": "merge-confirm-title", hidden: true },
    confirmTitle,
    confirmText,
    h("div", { class: "actions" }, confirmButton, cancelButton),
  );
  const mergeButton = h("button", { type: "submit", class: "primary" }, t("ops.cases.merge.button"));
  const progress = h("p", { role: "status", id: "merge-status" });
  const chosen = () => radios.find((r) => r && r.checked) || null;
  const form = h(
    "form",
    { "aria-labelledby": "case-records", novalidate: true },
    h(
      "fieldset",
      { dataset: { field: "survivor" } },
      h("legend", {}, t("ops.cases.merge.legend")),
      h("p", { class: "hint" }, t("ops.cases.merge.hint")),
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
        fieldProblem(form, "survivor", t("ops.cases.merge.chooseSurvivor"));
        return;
      }
      if (!why) {
        fieldProblem(form, "reason", t("ops.cases.merge.writeWhy"));
        return;
      }
      const others = c.records.filter((r) => selectable(r) && r.candidate_id !== survivor.value).map((r) => r.candidate_id);
      confirmText.textContent = t(others.length > 1 ? "ops.cases.merge.confirmMany" : "ops.cases.merge.confirmOne", {
        others: others.join(", "),
        survivor: survivor.value,
      });
      mergeButton.hidden = true;
      confirmBox.hidden = false;
      confirmTitle.focus();
      return;
    }
    if (!survivor) return;
    progress.textContent = t("ops.cases.merge.merging", { survivor: survivor.value });
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
            // The server says into which record; its sentence is English, so other languages say it in general.
            underWay = language() === "en" ? error.message : t("ops.cases.merge.elsewhere");
            return null;
          }
        },
        { busyText: t("ops.cases.merge.busy") },
      )
    );
    if (underWay) {
      progress.textContent = underWay;
      followMerge(c.case_id, progress, reload);
      return;
    }
    if (result) {
      const done = result.login_mapped
        ? result.dropped ? "ops.cases.merge.doneDropped" : "ops.cases.merge.done"
        : result.dropped ? "ops.cases.merge.doneDroppedNotMapped" : "ops.cases.merge.doneNotMapped";
      flash(
        t(done, {
          merged: result.merged.join(", "),
          survivor: result.survivor,
          moved: fmt.number(result.moved),
          dropped: fmt.number(result.dropped),
        }),
        "success",
      );
      reload();
      return;
    }
    progress.textContent = "";
    unconfirm();
  });
  return h("section", { "aria-labelledby": "case-records" }, h("h2", { id: "case-records" }, t("ops.cases.records")), form);
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
    field(t("ops.cases.close.note"), note, { required: true, hint: t("ops.cases.close.noteHint") }),
    h("button", { type: "submit" }, t("ops.cases.close.title")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = note.value.trim();
    if (!checkedBeforeSending(form, check("CloseRequest", { note: text }))) return;
    const closed = /** @type {CloseResult | undefined} */ (
      await submitting(form, () => api.post(`/ops/support-cases/${encodeURIComponent(c.case_id)}/close`, { note: text }), {
        busyText: t("ops.cases.close.busy"),
      })
    );
    if (closed) {
      flash(
        closed.unfrozen.length
          ? t("ops.cases.close.doneUnlocked", { id: c.case_id, ids: closed.unfrozen.join(", ") })
          : t("ops.cases.close.done", { id: c.case_id }),
        "success",
      );
      reload();
    }
  });
  return h("section", { "aria-labelledby": "case-close" }, h("h2", { id: "case-close" }, t("ops.cases.close.title")), form);
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
    h("h2", { id: "case-help" }, t("ops.cases.help.title", { login })),
  );
  if (!live.length) {
    section.append(h("p", {}, t("ops.cases.help.noRecords")));
    return section;
  }

  // Once the waiting login is mapped (a merge maps it to the survivor) there is no mapping email to send.
  const mappedTo = c.login_username ? live.find((r) => r.mapped_login === c.login_username) : undefined;
  const unmapped = live.filter((r) => !r.mapped_login);
  const resendTo = recordSelect("candidate_id", unmapped);
  const resendWhy = reasonField("reason", t("ops.cases.resend.why"), t("ops.cases.resend.whyHint"));
  const resendDone = h("p", { role: "status" });
  const resend = h(
    "form",
    { class: "card", "aria-labelledby": "help-resend", novalidate: true },
    h("h3", { id: "help-resend" }, t("ops.cases.resend.title")),
    field(t("ops.cases.resend.record"), resendTo, { hint: t("ops.cases.resend.recordHint") }),
    resendWhy.box,
    h("button", { type: "submit" }, t("ops.cases.resend.button")),
    resendDone,
  );
  resend.addEventListener("submit", async (event) => {
    event.preventDefault();
    resendDone.textContent = "";
    const why = resendWhy.control.value.trim();
    if (!why) {
      fieldProblem(resend, "reason", t("ops.cases.resend.writeWhy"));
      return;
    }
    const body = { login_sub: c.login_sub, reason: why, ...(c.login_username ? { login_username: c.login_username } : {}) };
    const sent = await submitting(resend, () => api.post(`/ops/candidates/${encodeURIComponent(resendTo.value)}/mapping-email`, body), {
      busyText: t("ops.cases.resend.busy"),
    });
    if (sent) {
      resendWhy.control.value = "";
      resendDone.textContent = t("ops.cases.resend.done", { login, id: resendTo.value });
    }
  });

  const liftFor = recordSelect("candidate_id", live);
  const liftWhy = reasonField("reason", t("ops.cases.lift.why"), t("ops.cases.lift.whyHint"));
  const liftDone = h("p", { role: "status" });
  const lift = h(
    "form",
    { class: "card", "aria-labelledby": "help-lift", novalidate: true },
    h("h3", { id: "help-lift" }, t("ops.cases.lift.title")),
    field(t("ops.cases.lift.record"), liftFor),
    liftWhy.box,
    h("button", { type: "submit" }, t("ops.cases.lift.button")),
    liftDone,
  );
  lift.addEventListener("submit", async (event) => {
    event.preventDefault();
    liftDone.textContent = "";
    const why = liftWhy.control.value.trim();
    if (!why) {
      fieldProblem(lift, "reason", t("ops.cases.lift.writeWhy"));
      return;
    }
    const lifted = /** @type {LiftResult | undefined} */ (
      await submitting(
        lift,
        () => api.post(`/ops/logins/${encodeURIComponent(c.login_sub)}/rate-limits/lift`, { candidate_id: liftFor.value, reason: why }),
        { busyText: t("ops.cases.lift.busy") },
      )
    );
    if (lifted) {
      liftWhy.control.value = "";
      const count = lifted.lifted.length;
      liftDone.textContent = count
        ? t(count === 1 ? "ops.cases.lift.doneOne" : "ops.cases.lift.doneMany", { count: fmt.number(count), login })
        : t("ops.cases.lift.nothing", { login });
    }
  });
  const resendPart = mappedTo
    ? h(
        "div",
        { class: "card" },
        h("h3", {}, t("ops.cases.resend.heading")),
        h("p", {}, t("ops.cases.resend.mapped", { login, id: mappedTo.candidate_id })),
      )
    : unmapped.length
      ? resend
      : h("div", { class: "card" }, h("h3", {}, t("ops.cases.resend.heading")), h("p", {}, t("ops.cases.resend.allMapped")));
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
    status.textContent = t("ops.cases.merge.underWay", { survivor: c.merge.survivor, moved: fmt.number(c.merge.moved) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    announce(/** @type {Error} */ (error).message, "error");
    return;
  }
  setTimeout(() => followMerge(caseId, status, reload, round + 1), PROGRESS_MS);
}
