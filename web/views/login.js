// @ts-check
// Login and the first-time mapping screens.
import { api, ApiError } from "../api.js";
import { authMode, localLogin, startHostedLogin, takeReturn } from "../auth.js";
import { h, field } from "../dom.js";
import { heading, submitting, announce, checkedBeforeSending, languageSelect } from "../ui.js";
import { t, language, chooseLanguage, isLanguage } from "../i18n.js";
import { check } from "../validate.js";
import { state } from "../state.js";
/** @import { MappingConfirmed, Me, View } from "../types.js" */

/** @type {View} */
export async function loginView(container, { navigate }) {
  container.append(heading(t("login.title")));
  // Before sign-in the choice is this browser's; once signed in it is saved with the settings.
  const picker = languageSelect({ value: language() });
  picker.addEventListener("change", () => chooseLanguage(isLanguage(picker.value) ? picker.value : null));
  container.append(h("div", { class: "language-picker" }, field(t("app.language"), picker)));
  if (authMode() === "cognito") {
    container.append(
      h("p", {}, t("login.hosted")),
      h("button", { type: "button", class: "primary", onclick: () => startHostedLogin() }, t("login.button")),
    );
    return;
  }
  const username = h("input", { name: "username", type: "text", autocomplete: "username", maxlength: "128" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password" });
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    h(
      "p",
      { class: "hint" },
      t("login.local"),
    ),
    field(t("login.username"), username, { required: true }),
    field(t("login.password"), password, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("login.button"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      announce(t("login.missing"), "error");
      (username.value.trim() ? password : username).focus();
      return;
    }
    submitting(
      form,
      async () => {
        try {
          await localLogin(username.value.trim(), password.value);
        } catch (error) {
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            throw new Error(t("login.wrong"));
          }
          throw error;
        }
        state.me = null;
        navigate(takeReturn() || "#/home");
      },
      { busyText: t("login.busy") },
    );
  });
  container.append(form);
}

/** @type {View} */
export async function mappingView(container, { navigate }) {
  if (state.me && state.me.mapped) {
    container.append(
      heading(t("mapping.mappedTitle")),
      h("p", {}, t("mapping.mappedText", { id: String(state.me.candidate_id) })),
      h("p", {}, h("a", { href: "#/home" }, t("app.goHome"))),
    );
    return;
  }
  container.append(
    heading(t("mapping.title")),
    h("p", {}, t("mapping.why1"), t("mapping.why2")),
    h("p", {}, t("mapping.intro")),
  );

  const email = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: "254" });
  const byEmail = h(
    "form",
    { class: "card", "aria-labelledby": "by-email-title", novalidate: true },
    h("h2", { id: "by-email-title" }, t("mapping.byEmail")),
    h("p", {}, t("mapping.byEmailText")),
    field(t("mapping.email"), email, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("mapping.submit"))),
  );
  byEmail.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { email: email.value.trim() };
    if (!checkedBeforeSending(byEmail, check("EmailMappingRequest", body))) return;
    submitting(byEmail, async () => {
      await api.post("/mapping/email", body);
      navigate("#/mapping/sent");
    });
  });

  const lastName = h("input", { name: "last_name", type: "text", autocomplete: "family-name", maxlength: "100" });
  const registration = h("input", { name: "registration_number", type: "text", maxlength: "64" });
  const newEmail = h("input", { name: "new_email", type: "email", autocomplete: "email", maxlength: "254" });
  const byReport = h(
    "form",
    { class: "card", "aria-labelledby": "by-report-title", novalidate: true },
    h("h2", { id: "by-report-title" }, t("mapping.byReport")),
    h("p", {}, t("mapping.byReportText")),
    field(t("mapping.lastName"), lastName, { required: true }),
    field(t("mapping.registration"), registration, { required: true, hint: t("mapping.registrationHint") }),
    field(t("mapping.newEmail"), newEmail, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("mapping.submit"))),
  );
  byReport.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      last_name: lastName.value.trim(),
      registration_number: registration.value.trim(),
      new_email: newEmail.value.trim(),
    };
    if (!checkedBeforeSending(byReport, check("ScoreReportRequest", body))) return;
    submitting(byReport, async () => {
      await api.post("/mapping/score-report", body);
      navigate("#/mapping/sent");
    });
  });

  container.append(h("div", { class: "grid-2" }, byEmail, byReport));
}

/** @type {View} */
export async function mappingSentView(container) {
  container.append(
    heading(t("mapping.sentTitle")),
    h(
      "div",
      { class: "notice notice-success" },
      h(
        "p",
        { id: "mapping-sent" },
        t("mapping.sentText"),
      ),
    ),
    h(
      "p",
      {},
      t("mapping.sentShared"),
    ),
    h("p", {}, h("a", { href: "#/mapping" }, t("mapping.back"))),
  );
}

/** @type {View} */
export async function mappingConfirmView(container, { query, refreshShell }) {
  const title = heading(t("mapping.confirmTitle"));
  container.append(title);
  const token = query.get("token");
  if (!token) {
    container.append(
      h("p", { class: "notice notice-error", role: "alert" }, t("mapping.noToken")),
      h("p", {}, h("a", { href: "#/mapping" }, t("mapping.startAgain"))),
    );
    return;
  }
  const status = h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("mapping.confirming"));
  container.append(status);
  try {
    const result = /** @type {MappingConfirmed} */ (await api.post("/mapping/confirm", { token }));
    status.remove();
    state.me = null; // reload /me: the login is now mapped
    try {
      state.me = /** @type {Me} */ (await api.get("/me"));
    } catch {
      state.me = null;
    }
    if (refreshShell) refreshShell(); // the header shows the candidate's id and the menu at once
    title.textContent = t("mapping.complete");
    document.title = t("app.titleSuffix", { title: t("mapping.complete") });
    container.append(
      h(
        "div",
        { class: "notice notice-success", id: "mapping-complete" },
        h("p", {}, t("mapping.completeText", { id: String(result.candidate_id) })),
      ),
      h("p", {}, h("a", { href: "#/home", class: "button primary" }, t("mapping.continue"))),
    );
  } catch (error) {
    status.remove();
    if (error instanceof ApiError && error.status === 401) return;
    title.textContent = t("mapping.failed");
    container.append(
      h("div", { class: "notice notice-error", role: "alert" }, h("p", {}, /** @type {Error} */ (error).message)),
      error instanceof ApiError && error.code === "already_mapped"
        ? h("p", {}, h("a", { href: "#/home" }, t("app.goHome")))
        : h("p", {}, h("a", { href: "#/mapping" }, t("mapping.newLink"))),
    );
  }
}
