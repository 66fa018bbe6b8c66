// @ts-check
// Personal Info: Settings (five required yes/no questions), Attributes (Job Title editable), Identification,
// Your data (download everything held about you; erase your login).
import { api, listOf } from "../api.js";
import { logout } from "../auth.js";
import { h, field, uid } from "../dom.js";
import { resetState } from "../state.js";
import { heading, withLoading, submitting, announce, subnav, errorBox, flash, showFieldErrors, checkedBeforeSending } from "../ui.js";
import { check, sentence } from "../validate.js";
/** @import { Attribute, Identifier, Settings, View } from "../types.js" */

/** @type {[string, string][]} */
const NAV = [
  ["#/personal/settings", "Settings"],
  ["#/personal/attributes", "Attributes"],
  ["#/personal/identification", "Identification"],
  ["#/personal/data", "Your data"],
];

/** @type {[string, string, string][]} [key, label, question] */
const SETTINGS = [
  ["program_employee", "Program Employee", "Are you an employee of the certification program's company?"],
  ["partner_or_reseller", "Partner or Reseller", "Do you work for a partner or reseller?"],
  [
    "email_notifications",
    "Email Notifications",
    "Would you like to receive emails about training, certifications, services, special offerings, and events?",
  ],
  ["academy_student", "Academy Student", "Are you a networking academy student?"],
  [
    "verification_consent",
    "Verification of Certification",
    "Under the Certification and Confidentiality Agreement the program may provide information verifying your " +
      "certification status to others, on request from a third party or from you. By choosing \"Yes\" you consent " +
      "to such disclosures. Choosing \"No\" means you do not wish the program to make these disclosures in the " +
      "future, and your shared transcripts stop showing your certifications.",
  ],
];

/** @param {string} path */
function personalNav(path) {
  return subnav("Personal Info", NAV, path);
}

/**
 * @param {string} key
 * @param {string} label
 * @param {string} question
 * @param {boolean | null | undefined} value the saved answer (none yet: neither radio checked)
 */
function yesNoGroup(key, label, question, value) {
  const legendId = uid(key);
  const errorEl = h("p", { class: "field-error", id: `${legendId}-error`, hidden: true });
  /**
   * @param {"yes" | "no"} v
   * @param {string} text
   */
  const radio = (v, text) => {
    const id = uid(`${key}-${v}`);
    return h(
      "span",
      { class: "radio" },
      h("input", {
        type: "radio",
        id,
        name: key,
        value: v,
        checked: value === (v === "yes"),
        required: true,
        "aria-describedby": errorEl.id,
      }),
      h("label", { for: id }, text),
    );
  };
  return h(
    "fieldset",
    { class: "field yes-no", dataset: { field: key } },
    h("legend", { id: legendId }, label, h("span", { class: "req", "aria-hidden": "true" }, " *")),
    h("p", { class: "question" }, question),
    h("div", { class: "radios" }, radio("yes", "Yes"), radio("no", "No")),
    h("p", { class: "hint" }, "Required"),
    errorEl,
  );
}

/** @type {View} */
export async function settingsView(container, { path }) {
  container.append(personalNav(path), heading("Settings"));
  const settings = /** @type {Settings | null} */ (await withLoading(container, () => api.get("/me/settings")));
  const form = h(
    "form",
    { class: "card", novalidate: true },
    SETTINGS.map(([key, label, question]) => yesNoGroup(key, label, question, settings ? settings[key] : undefined)),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Update/Confirm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    /** @type {Record<string, boolean>} */
    const body = {};
    for (const [key] of SETTINGS) {
      const chosen = /** @type {HTMLInputElement | null} */ (form.querySelector(`input[name="${key}"]:checked`));
      if (chosen) body[key] = chosen.value === "yes";
    }
    if (!checkedBeforeSending(form, check("SettingsIn", body))) return;
    submitting(form, async () => {
      await api.put("/me/settings", body);
      announce("Your settings have been updated.", "success");
    });
  });
  container.append(form);
}

/** @type {View} */
export async function attributesView(container, { path }) {
  container.append(personalNav(path), heading("Candidate Attributes"));
  const data = await withLoading(container, () => api.get("/me/attributes"));
  const attributes = /** @type {Attribute[]} */ (listOf(data, "attributes"));
  /** @type {[string, HTMLInputElement][]} */
  const inputs = [];
  const rows = attributes.map((attr) => {
    if (attr.editable) {
      const input = h("input", { name: attr.key, type: "text", value: attr.value ?? "", maxlength: String(attr.max_length) });
      inputs.push([attr.key, input]);
      return field(attr.label, input);
    }
    const id = uid(attr.key);
    return h(
      "div",
      { class: "field readonly", dataset: { field: attr.key } },
      h("span", { class: "label", id }, attr.label),
      h("p", { "aria-labelledby": id, class: "value" }, attr.value || "[Nothing set]"),
    );
  });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("p", { class: "hint" }, "You can only update Job Title on this page; the other values are assigned by the program."),
    rows,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Update/Confirm")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = attributesBody(inputs);
    // Each attribute's own limit is the server's (GET /me/attributes `max_length`), on top of the schema's.
    const tooLong = inputs
      .map(([key, input]) => ({ key, max: Number(input.maxLength), length: [...input.value.normalize("NFC").trim()].length }))
      .filter(({ max, length }) => max > 0 && length > max)
      .map(({ key, max }) => ({ field: key, message: max === 1 ? sentence("tooLongOne") : sentence("tooLong", { n: max }) }));
    if (!checkedBeforeSending(form, [...check("AttributesIn", body), ...tooLong])) return;
    submitting(form, async () => {
      await api.put("/me/attributes", body);
      announce("Your attributes have been updated.", "success");
    });
  });
  container.append(form);
}

/**
 * PUT /me/attributes body: only the editable keys, as the list shape GET returns.
 * @param {[string, HTMLInputElement][]} inputs
 */
function attributesBody(inputs) {
  return { attributes: inputs.map(([key, input]) => ({ key, value: input.value.trim() })) };
}

/** @type {View} */
export async function identificationView(container, { path }) {
  container.append(personalNav(path), heading("Identifiers"));
  container.append(h("p", {}, "Below are the different IDs assigned to your account, including testing IDs and system IDs."));
  try {
    const data = await withLoading(container, () => api.get("/me/identifiers"));
    const ids = /** @type {Identifier[]} */ (listOf(data, "identifiers"));
    container.append(
      h("h2", {}, "Candidate IDs used externally"),
      h(
        "dl",
        { class: "id-list card" },
        ids.map((i) => [h("dt", {}, i.label), h("dd", {}, i.value || "n/a")]),
      ),
    );
  } catch (error) {
    container.append(errorBox(error));
  }
}

/** The word the erase form asks for (the API checks the same: `POST /me/erase {"confirm": "ERASE"}`). */
const ERASE_WORD = "ERASE";

/** @type {View} */
export async function yourDataView(container, { path, navigate }) {
  container.append(personalNav(path), heading("Your data"));

  const download = h("button", { type: "submit", class: "primary" }, "Download my data");
  const downloadForm = h(
    "form",
    { class: "card", "aria-labelledby": "download-title" },
    h("h2", { id: "download-title" }, "Download my data"),
    h(
      "p",
      {},
      "A JSON file with everything the program holds about you: your profile and settings (with their history), " +
        "attributes and identifiers, exams, CE credits, certifications and their history, agreements, logo " +
        "acceptances, shipping address, orders, kits and transactions, transcripts and how often they were viewed, " +
        "reminders sent, digital badges, and the audit records about you.",
    ),
    h("div", { class: "actions" }, download),
  );
  downloadForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(
      downloadForm,
      async () => {
        const data = /** @type {{ candidate_id: string, exported_at: string }} */ (await api.get("/me/data-export"));
        // The server's Content-Disposition name: certtrack-data-<candidate id>-<day of the export>.json
        saveFile(`certtrack-data-${data.candidate_id}-${data.exported_at.slice(0, 10)}.json`, JSON.stringify(data, null, 2));
        announce("Your data has been downloaded.", "success");
      },
      { busyText: "Preparing…" },
    );
  });

  const confirmInput = h("input", {
    name: "confirm",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "characters",
    maxlength: "32",
  });
  const eraseForm = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "erase-title" },
    h("h2", { id: "erase-title" }, "Erase my login"),
    h("p", {}, "This disconnects your login from your candidate record and deletes the login. You are logged out at once."),
    h("h3", {}, "Erased"),
    h(
      "ul",
      {},
      h("li", {}, "Your login (you can sign up again later and connect a new login to your record by email)"),
      h("li", {}, "Your shipping address and job title"),
      h("li", {}, "Your transcripts: their shared links stop working at once"),
      h("li", {}, "Your logo agreement acceptances"),
    ),
    h("h3", {}, "Kept"),
    h(
      "ul",
      {},
      h("li", {}, "Your candidate record: candidate ID, name and email address"),
      h("li", {}, "Exams, CE credits, certifications and agreements, so that your certifications can still be verified"),
      h("li", {}, "Orders, kits and transactions (accounting records), digital badges and reminders sent"),
      h("li", {}, "Your settings and the audit records of changes and requests"),
    ),
    h("p", {}, "Download your data first if you want a copy."),
    field(`Type ${ERASE_WORD} to confirm`, confirmInput, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Erase my login")),
  );
  eraseForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (confirmInput.value.trim() !== ERASE_WORD) {
      showFieldErrors(eraseForm, {
        fieldErrors: [{ field: "confirm", message: `Type ${ERASE_WORD} in capital letters to confirm.` }],
      });
      confirmInput.focus();
      return;
    }
    submitting(
      eraseForm,
      async () => {
        await api.post("/me/erase", { confirm: ERASE_WORD });
        resetState();
        if (logout()) return; // the hosted UI's logout page takes over
        flash("Your login has been erased and you have been logged out.", "success");
        navigate("#/login");
      },
      { busyText: "Erasing…" },
    );
  });

  container.append(downloadForm, eraseForm);
}

/**
 * Save text as a file the browser downloads.
 * @param {string} name
 * @param {string} text
 */
function saveFile(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
