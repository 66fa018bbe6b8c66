// @ts-check
// Transcripts: create/edit, the list with views, and sharing (copy link, email with preview,
// LinkedIn, Facebook, X).
import { api, listOf, ApiError } from "../api.js";
import { h, table, field, uid, clear } from "../dom.js";
import { heading, withLoading, announce, submitting, flash, errorMessage, checkedBeforeSending } from "../ui.js";
import { check } from "../validate.js";
import { SCHEMAS } from "../rules.js";
import { state } from "../state.js";
import * as fmt from "../format.js";
import * as i18n from "../i18n.js";

const say = i18n.t; // `t` names a transcript here
/**
 * @import { Certification, CertificationGroup, EmailPreview, Transcript, TranscriptRequest, View, ViewContext } from "../types.js"
 */


/**
 * @param {Transcript} t
 * @returns {string}
 */
function transcriptId(t) {
  return /** @type {string} */ (t.transcript_id || t.id);
}

/** @param {string} url */
async function copyLink(url) {
  try {
    await navigator.clipboard.writeText(url);
    announce(say("tr.copied"), "success");
  } catch {
    window.prompt(say("tr.copyPrompt"), url);
  }
}

/** @param {Transcript} t */
function emailPanel(t) {
  const id = transcriptId(t);
  const to = h("input", { type: "email", name: "to", autocomplete: "email", maxlength: "254" });
  const preview = h("div", { class: "preview", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "email-form", novalidate: true, "aria-label": say("tr.emailForm", { name: t.description || id }) },
    field(say("tr.to"), to, { required: true, hint: say("tr.toHint") }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", value: "send" }, say("tr.send")),
      h("button", { type: "submit", value: "preview", class: "secondary" }, say("tr.preview")),
    ),
    preview,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = event.submitter ? /** @type {HTMLButtonElement} */ (event.submitter).value : "send";
    const body = { to: to.value.trim() };
    if (!checkedBeforeSending(form, check("EmailRequest", body))) return;
    submitting(form, async () => {
      if (action === "preview") {
        const p = /** @type {EmailPreview} */ (
          await api.post(`/me/transcripts/${encodeURIComponent(id)}/email/preview`, body)
        );
        clear(preview).append(
          h("h4", {}, say("tr.previewTitle")),
          h("dl", { class: "inline" }, h("dt", {}, say("tr.subject")), h("dd", {}, p.subject || "")),
          h("pre", { class: "email-text", tabindex: "0", "aria-label": say("tr.messageText") }, p.text || p.body_text || ""),
        );
      } else {
        await api.post(`/me/transcripts/${encodeURIComponent(id)}/email`, body);
        clear(preview);
        to.value = "";
        announce(say("tr.sent"), "success");
      }
    });
  });
  return form;
}

/**
 * The share actions of one transcript, and the email panel they open (a full-width row below it).
 * @param {Transcript} t
 * @param {number} columns the table's, which the panel row spans
 */
function shareParts(t, columns) {
  const share = t.share || {};
  const url = share.url || t.public_url;
  const panelId = uid("email-panel");
  const panelRow = h(
    "tr",
    { id: panelId, class: "detail-row share-panel", hidden: true },
    h(
      "td",
      { colspan: columns },
      h("h2", { class: "panel-title" }, say("tr.emailThis", { name: t.description || transcriptId(t) })),
      emailPanel(t),
    ),
  );
  const emailToggle = h(
    "button",
    {
      type: "button",
      class: "link",
      "aria-expanded": "false",
      "aria-controls": panelId,
      onclick: () => {
        const open = emailToggle.getAttribute("aria-expanded") !== "true";
        emailToggle.setAttribute("aria-expanded", String(open));
        panelRow.hidden = !open;
        if (open) /** @type {HTMLInputElement} */ (panelRow.querySelector("input")).focus();
      },
    },
    say("tr.email"),
  );
  /**
   * @param {string | undefined} href
   * @param {string} label
   * @param {string} text
   */
  const social = (href, label, text) =>
    href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", "aria-label": say("tr.newTab", { label }) }, text) : null;
  const actions = h(
    "div",
    { class: "share-actions" },
    url ? h("a", { href: url, target: "_blank", rel: "noopener", class: "view-link" }, say("tr.view")) : null,
    url ? h("button", { type: "button", class: "link", onclick: () => copyLink(url) }, say("tr.copy")) : null,
    emailToggle,
    share.email && share.email.startsWith("mailto:") ? h("a", { href: share.email }, say("tr.mailApp")) : null,
    social(share.linkedin, say("tr.shareOn", { site: "LinkedIn" }), "LinkedIn"),
    social(share.facebook, say("tr.shareOn", { site: "Facebook" }), "Facebook"),
    social(share.twitter, say("tr.shareOn", { site: "X" }), "X"),
  );
  return { actions, panelRow };
}

/** @param {Transcript} t */
function displayOptions(t) {
  const o = t.display_options || {};
  const parts = [];
  if (o.show_address) parts.push(say("tr.optAddress"));
  if (o.show_email) parts.push(say("tr.optEmail"));
  const include = t.include === "selected" ? say("tr.optSelected") : say("tr.optActive");
  const shows = parts.length
    ? say("tr.optShows", { what: new Intl.ListFormat(i18n.locale(), { type: "conjunction" }).format(parts) })
    : "";
  return `${include}${shows}${t.include_new_certifications ? say("tr.optNew") : ""}`;
}

/**
 * @param {Transcript} t
 * @param {ViewContext["navigate"]} navigate
 */
async function remove(t, navigate) {
  if (!window.confirm(say("tr.confirmDelete", { name: t.description || transcriptId(t) }))) return;
  try {
    await api.del(`/me/transcripts/${encodeURIComponent(transcriptId(t))}`);
    flash(say("tr.deleted"));
    navigate("#/transcripts");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) announce(errorMessage(error), "error");
  }
}

/** @type {View} */
export async function transcriptsView(container, { navigate }) {
  container.append(
    heading(say("tr.title")),
    h("p", {}, say("tr.intro")),
    h("p", {}, h("a", { href: "#/transcripts/new", class: "button primary" }, say("tr.create"))),
  );
  const data = await withLoading(container, () => api.get("/me/transcripts"));
  const items = /** @type {Transcript[]} */ (listOf(data, "transcripts"));
  container.append(
    table({
      caption: say("tr.caption"),
      columns: ["description", "expires", "options", "views", "lastViewed", "remarks", "status", "share", "manage"].map((c) =>
        say(`tr.col.${c}`),
      ),
      className: "transcripts",
      rows: items.map((t) => {
        const { actions, panelRow } = shareParts(t, 9);
        return [
          h(
            "tr",
            { dataset: { transcript: transcriptId(t) } },
            h("th", { scope: "row" }, t.description || t.display_name || transcriptId(t)),
            h("td", {}, fmt.date(t.expires_on, say("fmt.never"))),
            h("td", {}, displayOptions(t)),
            h("td", { class: "num" }, fmt.number(t.views ?? 0)),
            h("td", {}, fmt.timestamp(t.last_viewed, say("tr.neverViewed"))),
            h("td", {}, t.remarks || ""),
            h("td", {}, ["active", "expired", "revoked"].includes(t.status || "active") ? say(`status.${t.status || "active"}`) : fmt.titleCase(t.status)),
            h("td", {}, actions),
            h(
              "td",
              {},
              h("a", { href: `#/transcripts/${encodeURIComponent(transcriptId(t))}/edit`, "aria-label": say("tr.editName", { name: t.description || say("tr.transcript") }) }, say("tr.edit")),
              " ",
              h(
                "button",
                { type: "button", class: "link danger", "aria-label": say("tr.deleteName", { name: t.description || say("tr.transcript") }), onclick: () => remove(t, navigate) },
                say("tr.delete"),
              ),
            ),
          ),
          panelRow,
        ];
      }),
      empty: say("tr.none"),
    }),
  );
}

/** @param {Date} d */
function isoDate(d) {
  return d.toISOString().slice(0, 10);
}

/** @type {View} */
export async function transcriptFormView(container, { params, navigate }) {
  const [editId] = params;
  container.append(heading(editId ? say("tr.editTitle") : say("tr.create")));
  const [certData, existing] = await withLoading(container, () =>
    Promise.all([
      api.get("/me/certifications"),
      editId ? api.get(`/me/transcripts/${encodeURIComponent(editId)}`) : Promise.resolve(null),
    ]),
  );
  /** @type {Partial<Transcript>} */
  const t = /** @type {Transcript | null} */ (existing) || {};
  const groups = /** @type {CertificationGroup[]} */ (listOf(certData, "groups"));
  const certs = groups.flatMap((g) => (g.certifications || []).map((c) => ({ ...c, category: g.category })));
  const selectedIds = new Set(t.certification_ids || []);
  const options = t.display_options || {};
  const inThirtyDays = isoDate(new Date(Date.now() + 30 * 86400000));

  const rules = SCHEMAS.TranscriptRequest;
  const displayName = h("input", { name: "display_name", type: "text", maxlength: String(rules.display_name.maxLength), autocomplete: "name", value: t.display_name ?? [state.me?.first_name, state.me?.last_name].filter(Boolean).join(" ") });
  const showAddress = h("input", { type: "checkbox", id: uid("show-address"), name: "show_address", checked: Boolean(options.show_address) });
  const showEmail = h("input", { type: "checkbox", id: uid("show-email"), name: "show_email", checked: Boolean(options.show_email) });
  const expiresOn = h("input", { name: "expires_on", type: "date", value: t.expires_on || inThirtyDays, min: isoDate(new Date()) });
  const description = h("input", { name: "description", type: "text", maxlength: String(rules.description.maxLength), value: t.description ?? "" });
  const remarks = h("textarea", { name: "remarks", rows: "3", maxlength: String(rules.remarks.maxLength) }, t.remarks ?? "");
  const includeActive = h("input", { type: "radio", id: uid("include-active"), name: "include", value: "active", checked: t.include !== "selected" });
  const includeSelected = h("input", { type: "radio", id: uid("include-selected"), name: "include", value: "selected", checked: t.include === "selected" });
  const includeNew = h("input", { type: "checkbox", id: uid("include-new"), name: "include_new_certifications", checked: Boolean(t.include_new_certifications) });
  /** @type {[HTMLInputElement, Certification][]} */
  const certBoxes = certs.map((c) => {
    const box = h("input", { type: "checkbox", id: uid("cert"), name: "certification_ids", value: c.id, checked: selectedIds.has(c.id) });
    return [box, c];
  });
  const certTable = table({
    caption: say("tr.certCaption"),
    columns: [
      h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, say("tr.include"))),
      say("tr.col.certName"),
      say("tr.col.category"),
      say("tr.col.date"),
    ],
    rows: certBoxes.map(([box, c]) =>
      h(
        "tr",
        {},
        h("td", { class: "check" }, box),
        h("th", { scope: "row" }, h("label", { for: box.id }, c.name)),
        h("td", {}, c.category),
        h("td", {}, fmt.date(c.active_date)),
      ),
    ),
    empty: say("tr.noCerts"),
  });
  const syncSelection = () => {
    const selecting = includeSelected.checked;
    for (const [box] of certBoxes) box.disabled = !selecting;
  };
  includeActive.addEventListener("change", syncSelection);
  includeSelected.addEventListener("change", syncSelection);
  syncSelection();

  /**
   * @param {HTMLInputElement} input
   * @param {string} label
   */
  const checkbox = (input, label) => h("div", { class: "checkbox" }, input, h("label", { for: input.id }, label));
  const form = h(
    "form",
    { class: "card", novalidate: true },
    editId ? h("p", {}, say("tr.id", { id: editId })) : null,
    field(say("tr.displayName"), displayName, { required: rules.display_name.required, hint: say("tr.displayNameHint") }),
    h(
      "fieldset",
      { dataset: { field: "display_options" } },
      h("legend", {}, say("tr.displayOptions")),
      checkbox(showAddress, say("tr.showAddress")),
      checkbox(showEmail, say("tr.showEmail")),
    ),
    field(say("tr.expiresOn"), expiresOn, { required: rules.expires_on.required, hint: say("tr.expiresHint") }),
    field(say("tr.description"), description, { required: rules.description.required, hint: say("tr.descriptionHint") }),
    field(say("tr.remarks"), remarks),
    h(
      "fieldset",
      { dataset: { field: "include" } },
      h("legend", {}, say("tr.toInclude")),
      checkbox(includeActive, say("tr.optActive")),
      checkbox(includeSelected, say("tr.optSelected")),
      checkbox(includeNew, say("tr.includeNew")),
    ),
    h("div", { dataset: { field: "certification_ids", label: say("tr.certifications") } }, certTable, h("p", { class: "field-error", hidden: true })),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, editId ? say("tr.save") : say("tr.createButton")),
      h("a", { href: "#/transcripts", class: "button secondary" }, say("tr.cancel")),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const include = includeSelected.checked ? "selected" : "active";
    const certificationIds = certBoxes.filter(([b]) => b.checked).map(([, c]) => c.id);
    /** @type {TranscriptRequest} */
    const body = {
      display_name: displayName.value.trim(),
      display_options: { show_address: showAddress.checked, show_email: showEmail.checked },
      expires_on: expiresOn.value,
      description: description.value.trim(),
      remarks: remarks.value.trim() || null,
      include,
      certification_ids: include === "selected" ? certificationIds : [],
      include_new_certifications: includeNew.checked,
    };
    if (body.remarks === null) delete body.remarks;
    const errors = check("TranscriptRequest", body);
    if (include === "selected" && !certificationIds.length) {
      errors.push({ field: "certification_ids", message: say("field.selectCertification") });
    }
    if (!checkedBeforeSending(form, errors)) return;
    submitting(form, async () => {
      if (editId) {
        await api.put(`/me/transcripts/${encodeURIComponent(editId)}`, body);
        flash(say("tr.saved"));
      } else {
        await api.post("/me/transcripts", body);
        flash(say("tr.created"));
      }
      navigate("#/transcripts");
    });
  });
  container.append(form);
}
