// @ts-check
// Personal Info: Settings (five required yes/no questions), Attributes (Job Title editable), Identification.
import { api, listOf } from "../api.js";
import { h, field, uid } from "../dom.js";
import { heading, withLoading, submitting, announce, subnav, errorBox } from "../ui.js";
/** @import { Attribute, Identifier, Settings, View } from "../types.js" */

/** @type {[string, string][]} */
const NAV = [
  ["#/personal/settings", "Settings"],
  ["#/personal/attributes", "Attributes"],
  ["#/personal/identification", "Identification"],
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
    /** @type {string[]} */
    const missing = [];
    for (const [key, label] of SETTINGS) {
      const chosen = /** @type {HTMLInputElement | null} */ (form.querySelector(`input[name="${key}"]:checked`));
      if (!chosen) missing.push(label);
      else body[key] = chosen.value === "yes";
    }
    if (missing.length) {
      announce(`Please answer every required question: ${missing.join(", ")}.`, "error");
      const [firstKey] = /** @type {[string, string, string]} */ (SETTINGS.find(([, label]) => label === missing[0]));
      /** @type {HTMLInputElement} */ (form.querySelector(`input[name="${firstKey}"]`)).focus();
      return;
    }
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
      const input = h("input", { name: attr.key, type: "text", value: attr.value ?? "", maxlength: "100" });
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
    submitting(form, async () => {
      await api.put("/me/attributes", attributesBody(inputs));
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
