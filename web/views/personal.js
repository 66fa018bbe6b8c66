// @ts-check
// Personal Info: Settings (five required yes/no questions), Attributes (Job Title editable), Identification,
// Your data (download everything held about you; erase your login).
import { api, listOf } from "../api.js";
import { logout } from "../auth.js";
import { h, field, uid } from "../dom.js";
import { resetState } from "../state.js";
import {
  heading,
  withLoading,
  submitting,
  announce,
  subnav,
  errorBox,
  flash,
  showFieldErrors,
  checkedBeforeSending,
  languageSelect,
} from "../ui.js";
import { check, sentence } from "../validate.js";
import { t, chooseLanguage, isLanguage } from "../i18n.js";
/** @import { Attribute, Identifier, Settings, View } from "../types.js" */

const NAV = ["settings", "attributes", "identification", "data"];

// The five questions; each one's label is the catalogue's "settings.<key>", its question "settings.<key>.q".
const SETTINGS = ["program_employee", "partner_or_reseller", "email_notifications", "academy_student", "verification_consent"];

/** @param {string} path */
function personalNav(path) {
  return subnav(
    t("nav.personal"),
    NAV.map((key) => [`#/personal/${key}`, t(`personal.nav.${key}`)]),
    path,
  );
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
    h("div", { class: "radios" }, radio("yes", t("fmt.yes")), radio("no", t("fmt.no"))),
    h("p", { class: "hint" }, t("settings.required")),
    errorEl,
  );
}

/** @type {View} */
export async function settingsView(container, { path }) {
  container.append(personalNav(path), heading(t("settings.title")));
  const settings = /** @type {Settings | null} */ (await withLoading(container, () => api.get("/me/settings")));
  const saved = settings && isLanguage(settings.language) ? settings.language : "";
  const languagePicker = languageSelect({ value: saved, withBrowser: true });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    SETTINGS.map((key) => yesNoGroup(key, t(`settings.${key}`), t(`settings.${key}.q`), settings ? settings[key] : undefined)),
    field(t("app.language"), languagePicker, { hint: t("settings.languageHint") }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("settings.submit"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    /** @type {Record<string, boolean | string | null>} */
    const body = { language: isLanguage(languagePicker.value) ? languagePicker.value : null };
    for (const key of SETTINGS) {
      const chosen = /** @type {HTMLInputElement | null} */ (form.querySelector(`input[name="${key}"]:checked`));
      if (chosen) body[key] = chosen.value === "yes";
    }
    if (!checkedBeforeSending(form, check("SettingsIn", body))) return;
    submitting(form, async () => {
      await api.put("/me/settings", body);
      // A new language draws the screen again: the message then comes with it.
      if (chooseLanguage(isLanguage(body.language) ? body.language : null)) flash(t("settings.saved"));
      else announce(t("settings.saved"), "success");
    });
  });
  container.append(form);
}

/** @type {View} */
export async function attributesView(container, { path }) {
  container.append(personalNav(path), heading(t("attributes.title")));
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
      h("p", { "aria-labelledby": id, class: "value" }, attr.value || t("attributes.nothing")),
    );
  });
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("p", { class: "hint" }, t("attributes.hint")),
    rows,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("settings.submit"))),
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
      announce(t("attributes.saved"), "success");
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

/** @type {Record<string, string>} the server names each identifier in English: its key in the catalogues */
const ID_LABELS = { "Login ID": "ids.loginId", "System ID": "ids.systemId", "Badging email": "ids.badgingEmail", "Testing vendor ID": "ids.vendorId" };
/** @param {string} label */
const idLabel = (label) => (ID_LABELS[label] ? t(ID_LABELS[label]) : label);

/** @type {View} */
export async function identificationView(container, { path }) {
  container.append(personalNav(path), heading(t("ids.title")));
  container.append(h("p", {}, t("ids.intro")));
  try {
    const data = await withLoading(container, () => api.get("/me/identifiers"));
    const ids = /** @type {Identifier[]} */ (listOf(data, "identifiers"));
    container.append(
      h("h2", {}, t("ids.external")),
      h(
        "dl",
        { class: "id-list card" },
        ids.map((i) => [h("dt", {}, idLabel(i.label)), h("dd", {}, i.value || t("fmt.na"))]),
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
  container.append(personalNav(path), heading(t("data.title")));

  const download = h("button", { type: "submit", class: "primary" }, t("data.download"));
  const downloadForm = h(
    "form",
    { class: "card", "aria-labelledby": "download-title" },
    h("h2", { id: "download-title" }, t("data.download")),
    h("p", {}, t("data.downloadText")),
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
        announce(t("data.downloaded"), "success");
      },
      { busyText: t("data.preparing") },
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
    h("h2", { id: "erase-title" }, t("data.erase")),
    h("p", {}, t("data.eraseText")),
    h("h3", {}, t("data.erased")),
    h("ul", {}, [1, 2, 3, 4].map((n) => h("li", {}, t(`data.erased${n}`)))),
    h("h3", {}, t("data.kept")),
    h("ul", {}, [1, 2, 3, 4].map((n) => h("li", {}, t(`data.kept${n}`)))),
    h("p", {}, t("data.first")),
    field(t("data.confirm", { word: ERASE_WORD }), confirmInput, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger" }, t("data.erase"))),
  );
  eraseForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (confirmInput.value.trim() !== ERASE_WORD) {
      showFieldErrors(eraseForm, {
        fieldErrors: [{ field: "confirm", message: t("data.confirmWrong", { word: ERASE_WORD }) }],
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
        flash(t("data.done"), "success");
        navigate("#/login");
      },
      { busyText: t("data.erasing") },
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
