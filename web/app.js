// @ts-check
// The candidate portal: a hash router, the page shell, and the views.
import { loadConfig } from "./config.js";
import { api, freshToken, getToken, onRenew, onUnauthorized, onNotMapped, ApiError } from "./api.js";
import { completeHostedLogin, logout, rememberReturn, renewSession } from "./auth.js";
import { h, clear, append, shellElement } from "./dom.js";
import { announce, clearMessages, flash, takeFlash, errorBox, loadingIndicator } from "./ui.js";
import { state, resetState } from "./state.js";
import { initLanguage, isLanguage, onLanguageChange, setLanguage, t } from "./i18n.js";
import { loginView, mappingView, mappingSentView, mappingConfirmView } from "./views/login.js";
import { homeView } from "./views/home.js";
import { settingsView, attributesView, identificationView, yourDataView } from "./views/personal.js";
import { examsView, ceActivitiesView, transactionsView, agreementsView } from "./views/history.js";
import { certificationsView, certificationDetailView, logosView, certificationAgreementsView } from "./views/certifications.js";
import { claimView, shippingView, paymentView, orderConfirmationView, fulfillmentHistoryView } from "./views/fulfillment.js";
import { transcriptsView, transcriptFormView } from "./views/transcripts.js";
import { badgesView } from "./views/badges.js";
import { opsKitsView, isOperator } from "./views/ops.js";
import { opsImportsView, opsImportView } from "./views/ops_imports.js";
import { opsCandidatesView, opsCandidateView, opsAuditView } from "./views/ops_lookup.js";
import { opsActionsView } from "./views/ops_actions.js";
import { opsCasesView, opsCaseView } from "./views/ops_cases.js";
/** @import { Me, View } from "./types.js" */

// [pattern, view, options]; `section` marks the main-nav entry, `public` needs no login,
// `unmapped` works before the login is mapped to a candidate record, `operator` is for the
// operators group (who need no candidate record).
/** @typedef {{ section?: string, public?: boolean, unmapped?: boolean, operator?: boolean }} RouteOptions */
/** @type {[RegExp, View, RouteOptions][]} */
const ROUTES = [
  [/^\/login$/, loginView, { public: true }],
  [/^\/mapping$/, mappingView, { unmapped: true }],
  [/^\/mapping\/sent$/, mappingSentView, { unmapped: true }],
  [/^\/mapping\/confirm$/, mappingConfirmView, { unmapped: true }],
  [/^\/home$/, homeView, { section: "home" }],
  [/^\/personal\/settings$/, settingsView, { section: "personal" }],
  [/^\/personal\/attributes$/, attributesView, { section: "personal" }],
  [/^\/personal\/identification$/, identificationView, { section: "personal" }],
  [/^\/personal\/data$/, yourDataView, { section: "personal" }],
  [/^\/history\/exams$/, examsView, { section: "history" }],
  [/^\/history\/ce-activities$/, ceActivitiesView, { section: "history" }],
  [/^\/history\/transactions$/, transactionsView, { section: "history" }],
  [/^\/history\/agreements$/, agreementsView, { section: "history" }],
  [/^\/certifications$/, certificationsView, { section: "certifications" }],
  [/^\/certifications\/logos$/, logosView, { section: "certifications" }],
  [/^\/certifications\/agreements$/, certificationAgreementsView, { section: "certifications" }],
  [/^\/certifications\/([^/]+)$/, certificationDetailView, { section: "certifications" }],
  [/^\/fulfillment$/, claimView, { section: "fulfillment" }],
  [/^\/fulfillment\/shipping$/, shippingView, { section: "fulfillment" }],
  [/^\/fulfillment\/payment$/, paymentView, { section: "fulfillment" }],
  [/^\/fulfillment\/confirmation$/, orderConfirmationView, { section: "fulfillment" }],
  [/^\/fulfillment\/history$/, fulfillmentHistoryView, { section: "fulfillment" }],
  [/^\/transcripts$/, transcriptsView, { section: "transcripts" }],
  [/^\/transcripts\/new$/, transcriptFormView, { section: "transcripts" }],
  [/^\/transcripts\/([^/]+)\/edit$/, transcriptFormView, { section: "transcripts" }],
  [/^\/badges$/, badgesView, { section: "badges" }],
  [/^\/ops\/kits$/, opsKitsView, { operator: true }],
  [/^\/ops\/imports$/, opsImportsView, { operator: true }],
  [/^\/ops\/imports\/([^/]+)$/, opsImportView, { operator: true }],
  [/^\/ops\/candidates$/, opsCandidatesView, { operator: true }],
  [/^\/ops\/candidates\/([^/]+)$/, opsCandidateView, { operator: true }],
  [/^\/ops\/audit$/, opsAuditView, { operator: true }],
  [/^\/ops\/candidates\/([^/]+)\/actions$/, opsActionsView, { operator: true }],
  [/^\/ops\/cases$/, opsCasesView, { operator: true }],
  [/^\/ops\/cases\/([^/]+)$/, opsCaseView, { operator: true }],
];

// [section, href]; the label is the catalogue's "nav.<section>".
const SECTIONS = [
  ["home", "#/home"],
  ["personal", "#/personal/settings"],
  ["history", "#/history/exams"],
  ["certifications", "#/certifications"],
  ["fulfillment", "#/fulfillment"],
  ["transcripts", "#/transcripts"],
  ["badges", "#/badges"],
];

/** The page shell's own text (index.html) in the page's language. */
function translateShell() {
  shellElement("skip-link").textContent = t("app.skip");
  const brand = document.querySelector(".brand-name");
  if (brand) brand.textContent = t("app.name");
  const footer = document.querySelector(".site-footer p");
  if (footer) footer.textContent = t("app.footer");
  shellElement("mainnav").setAttribute("aria-label", t("app.mainNav"));
}

/** Draw everything again in the language just chosen (the login page's picker, the settings). */
function languageChanged() {
  translateShell();
  render();
}

/** @param {string} hash */
export function navigate(hash) {
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/home";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/home", query: new URLSearchParams(search) };
}

/**
 * @param {string | null | undefined} section the main-nav entry to mark current
 * @param {boolean} signedIn
 */
function renderShell(section, signedIn) {
  const nav = shellElement("mainnav");
  const tools = clear(shellElement("header-tools"));
  clear(nav);
  if (!signedIn) {
    nav.hidden = true;
    return;
  }
  /** @type {Partial<Me>} */
  const me = state.me || {};
  const idText = me.mapped
    ? t("app.candidateId", { id: String(me.candidate_id) })
    : me.login_id
      ? t("app.loginId", { id: me.login_id })
      : "";
  const menuButton = h(
    "button",
    {
      type: "button",
      class: "menu-toggle",
      "aria-expanded": "false",
      "aria-controls": "mainnav",
      onclick: () => {
        const open = nav.classList.toggle("open");
        menuButton.setAttribute("aria-expanded", String(open));
      },
    },
    t("app.menu"),
  );
  append(tools, [
    idText ? h("span", { class: "user-id" }, idText) : null,
    isOperator() ? h("a", { href: "#/ops/candidates", class: "ops-link" }, t("app.operatorConsole")) : null,
    me.mapped ? menuButton : null,
    h("a", { href: "#/logout", class: "logout" }, t("app.logout")),
  ]);
  nav.hidden = !me.mapped;
  nav.classList.remove("open");
  nav.append(
    h(
      "ul",
      {},
      SECTIONS.map(([key, href]) =>
        h("li", {}, h("a", { href, "aria-current": key === section ? "page" : null }, t(`nav.${key}`))),
      ),
    ),
  );
}

let renderCounter = 0;

async function render() {
  const current = ++renderCounter;
  const { path, query } = parseHash();
  const main = shellElement("main");

  if (path === "/logout") {
    resetState();
    if (logout()) return;
    flash(t("app.loggedOut"), "info");
    navigate("#/login");
    return;
  }

  // The first route whose pattern matched, with its match.
  const found = /** @type {[RegExpExecArray, View, RouteOptions] | undefined} */ (
    ROUTES.map(([re, view, opts]) => [re.exec(path), view, opts]).find(([m]) => m)
  );
  if (!found) {
    renderShell(null, Boolean(getToken()));
    clear(main).append(
      h("h1", { tabindex: "-1", id: "page-title" }, t("app.notFound")),
      h("p", {}, t("app.notFoundText"), h("a", { href: "#/home" }, t("app.goHome"))),
    );
    return;
  }
  const [match, view, opts] = found;
  const signedIn = Boolean(await freshToken()); // an ID token about to end is renewed first
  if (current !== renderCounter) return;

  if (!opts.public && !signedIn) {
    rememberReturn(window.location.hash);
    navigate("#/login");
    return;
  }
  if (path === "/login" && signedIn) {
    navigate("#/home");
    return;
  }

  if (signedIn && !state.me) {
    clear(main).append(loadingIndicator());
    try {
      state.me = /** @type {Me} */ (await api.get("/me"));
      if (state.me.mapped) await followSavedLanguage();
    } catch (error) {
      if (current !== renderCounter) return;
      if (error instanceof ApiError && error.status === 401) return;
      clear(main).append(errorBox(error, render));
      return;
    }
    if (current !== renderCounter) return;
  }
  if (signedIn && !opts.public && !opts.unmapped && !opts.operator && state.me && !state.me.mapped) {
    navigate(isOperator() ? "#/ops/candidates" : "#/mapping");
    return;
  }

  renderShell(opts.section, signedIn);
  const flashed = takeFlash();
  if (flashed) announce(flashed.message, flashed.kind);
  else clearMessages();

  const container = h("div", { class: "view" });
  clear(main).append(container);
  try {
    const refreshShell = () => {
      if (current === renderCounter) renderShell(opts.section, Boolean(getToken()));
    };
    await view(container, { params: match.slice(1).map(decodeURIComponent), query, path, navigate, refreshShell });
  } catch (error) {
    if (current !== renderCounter) return;
    if (error instanceof ApiError && (error.status === 401 || error.code === "account_not_mapped")) return;
    container.append(errorBox(error, render));
  }
  if (current !== renderCounter) return;
  const title = main.querySelector("h1");
  if (title && !main.contains(document.activeElement)) title.focus({ preventScroll: false });
}

/** The language saved with the candidate's settings, once per sign-in (null: this browser's choice stays). */
async function followSavedLanguage() {
  try {
    const settings = /** @type {{ language?: string | null }} */ (await api.get("/me/settings"));
    if (isLanguage(settings.language)) {
      setLanguage(settings.language);
      translateShell();
    }
  } catch {
    // the settings screen says what went wrong; the page keeps this browser's language
  }
}

async function start() {
  initLanguage();
  translateShell();
  onLanguageChange(languageChanged);
  await loadConfig();
  onRenew(renewSession);
  onUnauthorized(() => {
    resetState();
    rememberReturn(window.location.hash);
    if (!window.location.hash.startsWith("#/login")) {
      flash(t("app.sessionEnded"), "error");
      navigate("#/login");
    }
  });
  onNotMapped(() => {
    state.me = state.me ? { ...state.me, mapped: false } : null;
    navigate("#/mapping");
  });
  try {
    if (await completeHostedLogin()) navigate("#/home");
  } catch (error) {
    announce(/** @type {Error} */ (error).message, "error");
  }
  shellElement("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    shellElement("main").focus();
  });
  window.addEventListener("hashchange", render);
  await render();
}

start();
