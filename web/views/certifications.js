// @ts-check
// Certifications: active certifications by category (Logo, PDF Certificate), the detail with the
// progress tree, CE credits and history, and Download Logos with the logo agreement.
import { api, listOf, ApiError } from "../api.js";
import { h, table, uid } from "../dom.js";
import { heading, withLoading, subnav, announce, errorMessage } from "../ui.js";
import * as fmt from "../format.js";
import { t, fromEnglish } from "../i18n.js";
import { agreementsTable } from "./history.js";
/**
 * @import { AppliedCredit, Certification, CertificationDetail, CertificationEvent, CertificationGroup,
 *   DownloadLink, Downloads, Logo, Logos, ProgressNode, View } from "../types.js"
 */

/** @param {string} path */
function certsNav(path) {
  return subnav(
    t("nav.certifications"),
    [
      ["#/certifications", t("certs.nav.list")],
      ["#/certifications/logos", t("certs.nav.logos")],
      ["#/certifications/agreements", t("certs.nav.agreements")],
    ],
    path,
  );
}

const STATUSES = ["in_progress", "active", "expired", "revoked", "inactive"];

/** @param {unknown} code a certification's or a credit's status, in words */
function statusText(code) {
  return STATUSES.includes(String(code)) ? t(`status.${code}`) : fmt.titleCase(code);
}

/**
 * Certification Agreement, under Certifications (the same agreements Testing History lists).
 * @type {View}
 */
export async function certificationAgreementsView(container, { path }) {
  container.append(certsNav(path), heading(t("certs.agreementsTitle")));
  await agreementsTable(container);
}

/**
 * PDF certificate: ask for a fresh presigned URL, then go there (the browser shows or saves the PDF).
 * @param {Certification} cert
 * @param {HTMLButtonElement} button
 */
async function downloadCertificate(cert, button) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = t("certs.preparing");
  try {
    const result = /** @type {DownloadLink} */ (await api.post(`/me/certifications/${encodeURIComponent(cert.id)}/certificate`));
    announce(t("certs.ready", { name: cert.name }), "success");
    window.location.assign(result.url);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) announce(errorMessage(error), "error");
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** @param {Certification} cert */
function downloadsCell(cert) {
  const parts = [];
  /** @type {Partial<Downloads>} */
  const d = cert.downloads || {};
  if (d.logo) parts.push(h("a", { href: "#/certifications/logos", "aria-label": t("certs.logoFor", { name: cert.name }) }, t("certs.logo")));
  if (d.pdf_certificate) {
    const button = h(
      "button",
      { type: "button", class: "link", "aria-label": t("certs.pdfFor", { name: cert.name }), dataset: { certificate: cert.id } },
      t("certs.pdf"),
    );
    button.addEventListener("click", () => downloadCertificate(cert, button));
    parts.push(button);
  }
  return parts.length ? h("span", { class: "downloads" }, parts) : t("fmt.na");
}

/** @type {View} */
export async function certificationsView(container, { path }) {
  container.append(certsNav(path), heading(t("certs.title")));
  const data = await withLoading(container, () => api.get("/me/certifications"));
  const groups = /** @type {CertificationGroup[]} */ (listOf(data, "groups"));
  const rows = [];
  for (const group of groups) {
    rows.push(h("tr", { class: "group-row" }, h("th", { scope: "colgroup", colspan: 6 }, group.category)));
    for (const cert of group.certifications || []) {
      rows.push(
        h(
          "tr",
          {},
          h(
            "th",
            { scope: "row" },
            h("a", { href: `#/certifications/${encodeURIComponent(cert.id)}` }, `${cert.name}${cert.abbreviation && cert.abbreviation !== cert.name ? ` (${cert.abbreviation})` : ""}`),
          ),
          h("td", {}, h("span", { class: `status status-${cert.status}` }, statusText(cert.status))),
          h("td", {}, fmt.date(cert.started)),
          h("td", {}, fmt.date(cert.active_date)),
          h("td", {}, fmt.date(cert.expiration_date, t("fmt.never"))),
          h("td", {}, downloadsCell(cert)),
        ),
      );
    }
  }
  container.append(
    h("h2", {}, t("certs.yours")),
    table({
      caption: t("certs.caption"),
      columns: ["name", "status", "started", "active", "expiration", "downloads"].map((c) => t(`certs.col.${c}`)),
      rows,
      className: "certifications",
      empty: t("certs.none"),
    }),
    h("p", { class: "hint" }, t("certs.pdfHint")),
  );
}

/**
 * @param {ProgressNode} node
 * @returns {HTMLLIElement}
 */
function progressNode(node) {
  const met = Boolean(node.met);
  const label = `${node.id} – ${node.label}`;
  const count = node.required !== undefined && node.required !== null ? ` (${node.earned ?? 0} / ${node.required})` : "";
  return h(
    "li",
    { class: met ? "met" : "unmet" },
    h(
      "span",
      { class: "node" },
      h("span", { class: "icon", "aria-hidden": "true" }, met ? "✔" : "○"),
      h("span", { class: "node-label" }, label, count),
      h("span", { class: `badge ${met ? "badge-met" : "badge-unmet"}` }, met ? t("certs.met") : t("certs.notMet")),
    ),
    node.children && node.children.length ? h("ul", {}, node.children.map(progressNode)) : null,
  );
}

/** @type {View} */
export async function certificationDetailView(container, { params, path }) {
  const [certId] = params;
  container.append(certsNav(path));
  const cert = /** @type {CertificationDetail} */ (
    await withLoading(container, () => api.get(`/me/certifications/${encodeURIComponent(certId)}`))
  );
  container.append(
    heading(`${cert.name}${cert.abbreviation ? ` (${cert.abbreviation})` : ""}`),
    h(
      "dl",
      { class: "summary" },
      h("dt", {}, t("certs.status")),
      h("dd", {}, statusText(cert.status)),
      cert.category ? [h("dt", {}, t("certs.category")), h("dd", {}, cert.category)] : null,
      h("dt", {}, t("certs.active")),
      h("dd", {}, fmt.date(cert.active_date)),
      h("dt", {}, t("certs.expires")),
      h("dd", {}, fmt.date(cert.expiration_date, t("fmt.never"))),
    ),
  );
  if (cert.downloads && (cert.downloads.logo || cert.downloads.pdf_certificate)) {
    container.append(h("p", { class: "downloads-line" }, t("certs.downloads"), downloadsCell(cert)));
  }

  const progress = h(
    "section",
    { "aria-labelledby": "progress-title", class: "card" },
    h("h2", { id: "progress-title" }, t("certs.progress")),
    h(
      "p",
      { class: "hint legend" },
      t("certs.legend"),
      h("span", { class: "badge badge-met" }, t("certs.legendMet")),
      t("certs.legendMetText"),
      h("span", { class: "badge badge-unmet" }, t("certs.legendNotMet")),
      t("certs.legendNotMetText"),
    ),
    cert.status === "active" ? h("p", {}, t("certs.recert")) : h("p", {}, t("certs.earn")),
    cert.progress
      ? h("ul", { class: "tree", id: "progress-tree" }, progressNode(cert.progress))
      : h("p", {}, t("certs.noRequirements")),
  );
  container.append(progress);

  const credits = /** @type {AppliedCredit[]} */ (listOf(cert.ce_credits || []));
  const totalPoints = credits.filter((c) => c.status === "active").reduce((n, c) => n + Number(c.points || 0), 0);
  container.append(
    h(
      "section",
      { "aria-labelledby": "ce-title" },
      h("h2", { id: "ce-title" }, t("certs.ceTitle", { points: fmt.number(totalPoints) })),
      table({
        caption: t("certs.ceCaption"),
        columns: ["activeDate", "inactiveDate", "points", "status"].map((c) => t(`certs.col.${c}`)),
        rows: credits.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, fmt.date(c.active_date)),
            h("td", {}, fmt.date(c.inactive_date)),
            h("td", { class: "num" }, c.points),
            h("td", {}, statusText(c.status)),
          ),
        ),
        empty: t("certs.noCe"),
      }),
    ),
    h(
      "section",
      { "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, t("certs.history")),
      table({
        caption: t("certs.historyCaption"),
        columns: [t("certs.col.date"), t("certs.col.event")],
        rows: /** @type {CertificationEvent[]} */ (listOf(cert.history || [])).map((e) =>
          h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, fmt.titleCase(fromEnglish("history.event.", e.event)))),
        ),
        empty: t("certs.noHistory"),
      }),
    ),
  );
}

/** @type {View} */
export async function logosView(container, { path }) {
  container.append(certsNav(path), heading(t("logos.title")));
  const data = /** @type {Logos | null} */ (await withLoading(container, () => api.get("/me/logos")));
  const logos = /** @type {Logo[]} */ (listOf(data, "logos"));
  const agreement = (data && data.agreement) || {};
  const accept = h("input", { type: "checkbox", id: uid("accept"), name: "accept_agreement" });
  container.append(
    h(
      "section",
      { class: "card", "aria-labelledby": "agreement-title" },
      h(
        "h2",
        { id: "agreement-title" },
        agreement.version ? t("logos.agreementVersion", { version: agreement.version }) : t("logos.agreement"),
      ),
      h("p", {}, t("logos.intro")),
      h("blockquote", { class: "agreement", tabindex: "0", "aria-label": t("logos.text") }, agreement.text || ""),
      h("div", { class: "checkbox" }, accept, h("label", { for: accept.id }, t("logos.accept"))),
    ),
  );
  const rows = logos.map((logo) => {
    const formats = logo.formats && logo.formats.length ? logo.formats : ["png"];
    const select = h(
      "select",
      { name: `format-${logo.id}`, "aria-label": t("logos.formatFor", { name: logo.name }) },
      formats.map((f) => h("option", { value: f }, String(f).toUpperCase())),
    );
    const button = h("button", { type: "button", "aria-label": t("logos.downloadName", { name: logo.name }) }, t("logos.download"));
    button.addEventListener("click", async () => {
      if (!accept.checked) {
        announce(t("logos.acceptFirst"), "error");
        accept.focus();
        return;
      }
      button.disabled = true;
      try {
        const result = /** @type {DownloadLink} */ (
          await api.post(`/me/logos/${encodeURIComponent(logo.id)}/download`, {
            accept_agreement: true,
            format: select.value,
          })
        );
        announce(t("logos.downloading", { name: logo.name }), "success");
        window.location.assign(result.url);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) announce(errorMessage(error), "error");
      } finally {
        button.disabled = false;
      }
    });
    return h("tr", {}, h("th", { scope: "row" }, logo.name), h("td", {}, select), h("td", {}, button));
  });
  container.append(
    h("h2", {}, t("logos.available")),
    table({
      caption: t("logos.caption"),
      columns: [t("logos.col.logo"), t("logos.col.format"), t("logos.col.download")],
      rows,
      empty: t("logos.none"),
    }),
  );
}

