// @ts-check
// Login and the first-time mapping screens.
import { api, ApiError } from "../api.js";
import { authMode, localLogin, startHostedLogin, takeReturn } from "../auth.js";
import { h, field } from "../dom.js";
import { heading, submitting, announce, checkedBeforeSending } from "../ui.js";
import { check } from "../validate.js";
import { state } from "../state.js";
/** @import { MappingConfirmed, Me, View } from "../types.js" */

/** @type {View} */
export async function loginView(container, { navigate }) {
  container.append(heading("Log in"));
  if (authMode() === "cognito") {
    container.append(
      h("p", {}, "Log in with your program account. You will be taken to the sign-in page and brought back here."),
      h("button", { type: "button", class: "primary", onclick: () => startHostedLogin() }, "Log in"),
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
      "Local development login: any new username creates a login on first use.",
    ),
    field("Username", username, { required: true }),
    field("Password", password, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Log in")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) {
      announce("Enter your username and password.", "error");
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
            throw new Error("The username or password is not correct.");
          }
          throw error;
        }
        state.me = null;
        navigate(takeReturn() || "#/home");
      },
      { busyText: "Logging in…" },
    );
  });
  container.append(form);
}

const MAPPING_INTRO =
  "The system will send an email that includes a link which will allow you to complete the login process. " +
  "The email address we have on file is most commonly the same one you supplied the last time you took an exam.";

/** @type {View} */
export async function mappingView(container, { navigate }) {
  if (state.me && state.me.mapped) {
    container.append(
      heading("Your login is mapped"),
      h("p", {}, `Your login is already mapped to candidate ${state.me.candidate_id}.`),
      h("p", {}, h("a", { href: "#/home" }, "Go to Home")),
    );
    return;
  }
  container.append(
    heading("First time login"),
    h(
      "p",
      {},
      "Before you can use the portal, your login must be mapped to your candidate record (your ID). ",
      "You only need to do this once.",
    ),
    h("p", {}, MAPPING_INTRO),
  );

  const email = h("input", { name: "email", type: "email", autocomplete: "email", maxlength: "254" });
  const byEmail = h(
    "form",
    { class: "card", "aria-labelledby": "by-email-title", novalidate: true },
    h("h2", { id: "by-email-title" }, "By email address"),
    h(
      "p",
      {},
      "Please use your email address to begin the process. If, for some reason, you cannot use the email " +
        "address you last used to take an exam, you may instead use your score report to begin the process.",
    ),
    field("Email address", email, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Submit")),
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
    h("h2", { id: "by-report-title" }, "By score report"),
    h(
      "p",
      {},
      "Please enter the requested data from your score report to begin the process. When this method is " +
        "successful, the matched account will have its email address updated to the one supplied below.",
    ),
    field("Last name", lastName, { required: true }),
    field("Registration number", registration, { required: true, hint: "As printed on your score report." }),
    field("New email address", newEmail, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Submit")),
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
    heading("Check your email"),
    h(
      "div",
      { class: "notice notice-success" },
      h(
        "p",
        { id: "mapping-sent" },
        "An email has been sent to the email address we have on file which contains information that will allow " +
          "you to complete the login process. If the email does not arrive within 2 hours, please confirm that your " +
          "email account is currently working and that it has not erroneously flagged the email as spam before " +
          "attempting to contact Customer Support.",
      ),
    ),
    h(
      "p",
      {},
      "If the address is shared by more than one record, the email explains how to have them merged through a support case.",
    ),
    h("p", {}, h("a", { href: "#/mapping" }, "Back to the mapping options")),
  );
}

/** @type {View} */
export async function mappingConfirmView(container, { query, refreshShell }) {
  const title = heading("Completing your login");
  container.append(title);
  const token = query.get("token");
  if (!token) {
    container.append(
      h("p", { class: "notice notice-error", role: "alert" }, "This link is incomplete: it has no token."),
      h("p", {}, h("a", { href: "#/mapping" }, "Start the mapping again")),
    );
    return;
  }
  const status = h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Confirming…");
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
    title.textContent = "Account mapping complete";
    document.title = "Account mapping complete · Certification Tracking System";
    container.append(
      h(
        "div",
        { class: "notice notice-success", id: "mapping-complete" },
        h("p", {}, `Your account mapping is complete. Your login is now linked to candidate ${result.candidate_id}.`),
      ),
      h("p", {}, h("a", { href: "#/home", class: "button primary" }, "Continue to Home")),
    );
  } catch (error) {
    status.remove();
    if (error instanceof ApiError && error.status === 401) return;
    title.textContent = "The mapping could not be completed";
    container.append(
      h("div", { class: "notice notice-error", role: "alert" }, h("p", {}, /** @type {Error} */ (error).message)),
      error instanceof ApiError && error.code === "already_mapped"
        ? h("p", {}, h("a", { href: "#/home" }, "Go to Home"))
        : h("p", {}, h("a", { href: "#/mapping" }, "Request a new link")),
    );
  }
}
