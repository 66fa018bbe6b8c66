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
/**
 * @import { Certification, CertificationGroup, EmailPreview, Transcript, TranscriptRequest, View, ViewContext } from "../types.js"
 */

const INTRO =
  "Create a new transcript or edit an existing one. Then share it: copy its link, email it, or post it. " +
  "Anyone with the link can see the certifications you chose until the transcript expires.";

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
    announce("The transcript link has been copied.", "success");
  } catch {
    window.prompt("Copy the transcript link:", url);
  }
}

/** @param {Transcript} t */
function emailPanel(t) {
  const id = transcriptId(t);
  const to = h("input", { type: "email", name: "to", autocomplete: "email", maxlength: "254" });
  const preview = h("div", { class: "preview", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "email-form", novalidate: true, "aria-label": `Email transcript ${t.description || id}` },
    field("To", to, { required: true, hint: "The person who should see your transcript." }),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", value: "send" }, "Send"),
      h("button", { type: "submit", value: "preview", class: "secondary" }, "Preview Email"),
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
          h("h4", {}, "Email preview"),
          h("dl", { class: "inline" }, h("dt", {}, "Subject"), h("dd", {}, p.subject || "")),
          h("pre", { class: "email-text", tabindex: "0", "aria-label": "Message text" }, p.text || p.body_text || ""),
        );
      } else {
        await api.post(`/me/transcripts/${encodeURIComponent(id)}/email`, body);
        clear(preview);
        to.value = "";
        announce("The transcript email has been sent.", "success");
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
      h("h2", { class: "panel-title" }, `Email this transcript: ${t.description || transcriptId(t)}`),
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
    "Email",
  );
  /**
   * @param {string | undefined} href
   * @param {string} label
   * @param {string} text
   */
  const social = (href, label, text) =>
    href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", "aria-label": `${label} (opens a new tab)` }, text) : null;
  const actions = h(
    "div",
    { class: "share-actions" },
    url ? h("a", { href: url, target: "_blank", rel: "noopener", class: "view-link" }, "View") : null,
    url ? h("button", { type: "button", class: "link", onclick: () => copyLink(url) }, "Copy link") : null,
    emailToggle,
    share.email && share.email.startsWith("mailto:") ? h("a", { href: share.email }, "Mail app") : null,
    social(share.linkedin, "Share on LinkedIn", "LinkedIn"),
    social(share.facebook, "Share on Facebook", "Facebook"),
    social(share.twitter, "Share on X", "X"),
  );
  return { actions, panelRow };
}

/** @param {Transcript} t */
function displayOptions(t) {
  const o = t.display_options || {};
  const parts = [];
  if (o.show_address) parts.push("Address");
  if (o.show_email) parts.push("Email");
  const include = t.include === "selected" ? "Selected certifications" : "Active certifications";
  return `${include}${parts.length ? `; shows ${parts.join(" and ")}` : ""}${t.include_new_certifications ? "; includes new certifications" : ""}`;
}

/**
 * @param {Transcript} t
 * @param {ViewContext["navigate"]} navigate
 */
async function remove(t, navigate) {
  if (!window.confirm(`Delete the transcript “${t.description || transcriptId(t)}”? Its link stops working.`)) return;
  try {
    await api.del(`/me/transcripts/${encodeURIComponent(transcriptId(t))}`);
    flash("Transcript deleted.");
    navigate("#/transcripts");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) announce(errorMessage(error), "error");
  }
}

/** @type {View} */
export async function transcriptsView(container, { navigate }) {
  container.append(
    heading("Transcripts"),
    h("p", {}, INTRO),
    h("p", {}, h("a", { href: "#/transcripts/new", class: "button primary" }, "Create new transcript")),
  );
  const data = await withLoading(container, () => api.get("/me/transcripts"));
  const items = /** @type {Transcript[]} */ (listOf(data, "transcripts"));
  container.append(
    table({
      caption: "Your transcripts",
      columns: ["Description", "Expires after", "Display Options", "# Views", "Last viewed", "Remarks", "Status", "Share", "Manage"],
      className: "transcripts",
      rows: items.map((t) => {
        const { actions, panelRow } = shareParts(t, 9);
        return [
          h(
            "tr",
            { dataset: { transcript: transcriptId(t) } },
            h("th", { scope: "row" }, t.description || t.display_name || transcriptId(t)),
            h("td", {}, fmt.date(t.expires_on, "Never")),
            h("td", {}, displayOptions(t)),
            h("td", { class: "num" }, t.views ?? 0),
            h("td", {}, fmt.timestamp(t.last_viewed, "Never")),
            h("td", {}, t.remarks || ""),
            h("td", {}, fmt.titleCase(t.status || "active")),
            h("td", {}, actions),
            h(
              "td",
              {},
              h("a", { href: `#/transcripts/${encodeURIComponent(transcriptId(t))}/edit`, "aria-label": `Edit ${t.description || "transcript"}` }, "Edit"),
              " ",
              h(
                "button",
                { type: "button", class: "link danger", "aria-label": `Delete ${t.description || "transcript"}`, onclick: () => remove(t, navigate) },
                "Delete",
              ),
            ),
          ),
          panelRow,
        ];
      }),
      empty: "You have no transcripts yet.",
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
  container.append(heading(editId ? "Edit transcript" : "Create new transcript"));
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
    caption: "Certifications to display in the transcript (when “Selected certifications” is chosen)",
    columns: [h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Include")), "Certification Name", "Category", "Date"],
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
    empty: "You have no certifications to select.",
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
    editId ? h("p", {}, `Transcript ID: ${editId}`) : null,
    field("Display name", displayName, { required: rules.display_name.required, hint: "A name for this transcript, shown to the people you share it with." }),
    h(
      "fieldset",
      { dataset: { field: "display_options" } },
      h("legend", {}, "Display options"),
      checkbox(showAddress, "Show my address"),
      checkbox(showEmail, "Show my email address"),
    ),
    field("Expires on", expiresOn, { required: rules.expires_on.required, hint: "The link stops working after this date." }),
    field("Description", description, { required: rules.description.required, hint: "For you: which transcript this is (e.g. “For employer”)." }),
    field("Remarks", remarks),
    h(
      "fieldset",
      { dataset: { field: "include" } },
      h("legend", {}, "Certifications to include"),
      checkbox(includeActive, "Active certifications"),
      checkbox(includeSelected, "Selected certifications"),
      checkbox(includeNew, "Include new certifications as I earn them"),
    ),
    h("div", { dataset: { field: "certification_ids", label: "Certifications" } }, certTable, h("p", { class: "field-error", hidden: true })),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, editId ? "Save transcript" : "Create transcript"),
      h("a", { href: "#/transcripts", class: "button secondary" }, "Cancel"),
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
      errors.push({ field: "certification_ids", message: "Select at least one certification." });
    }
    if (!checkedBeforeSending(form, errors)) return;
    submitting(form, async () => {
      if (editId) {
        await api.put(`/me/transcripts/${encodeURIComponent(editId)}`, body);
        flash("Transcript saved.");
      } else {
        await api.post("/me/transcripts", body);
        flash("Transcript created.");
      }
      navigate("#/transcripts");
    });
  });
  container.append(form);
}
