// @ts-check
// Certifications: active certifications by category (Logo, PDF Certificate), the detail with the
// progress tree, CE credits and history, and Download Logos with the logo agreement.
import { api, listOf, ApiError } from "../api.js";
import { h, table, uid } from "../dom.js";
import { heading, withLoading, subnav, announce, errorMessage } from "../ui.js";
import * as fmt from "../format.js";
import { agreementsTable } from "./history.js";
/**
 * @import { AppliedCredit, Certification, CertificationDetail, CertificationEvent, CertificationGroup,
 *   DownloadLink, Downloads, Logo, Logos, ProgressNode, View } from "../types.js"
 */

/** @type {[string, string][]} */
const NAV = [
  ["#/certifications", "Certifications"],
  ["#/certifications/logos", "Download Logos"],
  ["#/certifications/agreements", "Certification Agreement"],
];

/**
 * Certification Agreement, under Certifications (the same agreements Testing History lists).
 * @type {View}
 */
export async function certificationAgreementsView(container, { path }) {
  container.append(subnav("Certifications", NAV, path), heading("Certification agreements"));
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
  button.textContent = "Preparing…";
  try {
    const result = /** @type {DownloadLink} */ (await api.post(`/me/certifications/${encodeURIComponent(cert.id)}/certificate`));
    announce(`Your ${cert.name} certificate is ready; the download starts now.`, "success");
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
  if (d.logo) parts.push(h("a", { href: "#/certifications/logos", "aria-label": `Logo for ${cert.name}` }, "Logo"));
  if (d.pdf_certificate) {
    const button = h(
      "button",
      { type: "button", class: "link", "aria-label": `PDF Certificate for ${cert.name}`, dataset: { certificate: cert.id } },
      "PDF Certificate",
    );
    button.addEventListener("click", () => downloadCertificate(cert, button));
    parts.push(button);
  }
  return parts.length ? h("span", { class: "downloads" }, parts) : "n/a";
}

/** @type {View} */
export async function certificationsView(container, { path }) {
  container.append(subnav("Certifications", NAV, path), heading("Certifications"));
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
          h("td", {}, h("span", { class: `status status-${cert.status}` }, fmt.titleCase(cert.status))),
          h("td", {}, fmt.date(cert.started)),
          h("td", {}, fmt.date(cert.active_date)),
          h("td", {}, fmt.date(cert.expiration_date, "Never")),
          h("td", {}, downloadsCell(cert)),
        ),
      );
    }
  }
  container.append(
    h("h2", {}, "Your certifications"),
    table({
      caption: "Certifications grouped by category. Select a name for progress and CE credits.",
      columns: ["Name", "Status", "Started", "Active", "Expiration Date", "Downloads"],
      rows,
      className: "certifications",
      empty: "You have no certifications yet. Passed exams appear here once they are imported.",
    }),
    h("p", { class: "hint" }, "PDFs are only available for qualifying certifications that are active and not expired."),
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
      h("span", { class: `badge ${met ? "badge-met" : "badge-unmet"}` }, met ? "Met" : "Not met"),
    ),
    node.children && node.children.length ? h("ul", {}, node.children.map(progressNode)) : null,
  );
}

/** @type {View} */
export async function certificationDetailView(container, { params, path }) {
  const [certId] = params;
  container.append(subnav("Certifications", NAV, path));
  const cert = /** @type {CertificationDetail} */ (
    await withLoading(container, () => api.get(`/me/certifications/${encodeURIComponent(certId)}`))
  );
  container.append(
    heading(`${cert.name}${cert.abbreviation ? ` (${cert.abbreviation})` : ""}`),
    h(
      "dl",
      { class: "summary" },
      h("dt", {}, "Status"),
      h("dd", {}, fmt.titleCase(cert.status)),
      cert.category ? [h("dt", {}, "Category"), h("dd", {}, cert.category)] : null,
      h("dt", {}, "Active"),
      h("dd", {}, fmt.date(cert.active_date)),
      h("dt", {}, "Expires"),
      h("dd", {}, fmt.date(cert.expiration_date, "Never")),
    ),
  );
  if (cert.downloads && (cert.downloads.logo || cert.downloads.pdf_certificate)) {
    container.append(h("p", { class: "downloads-line" }, "Downloads: ", downloadsCell(cert)));
  }

  const progress = h(
    "section",
    { "aria-labelledby": "progress-title", class: "card" },
    h("h2", { id: "progress-title" }, "Current progress"),
    h(
      "p",
      { class: "hint legend" },
      "Legend: ",
      h("span", { class: "badge badge-met" }, "✔ Met"),
      " requirement complete; ",
      h("span", { class: "badge badge-unmet" }, "○ Not met"),
      " still to do. Numbers show earned / required.",
    ),
    cert.status === "active"
      ? h("p", {}, "Recertification requirements for the current period:")
      : h("p", {}, "Requirements to earn this certification:"),
    cert.progress ? h("ul", { class: "tree", id: "progress-tree" }, progressNode(cert.progress)) : h("p", {}, "No requirements to show."),
  );
  container.append(progress);

  const credits = /** @type {AppliedCredit[]} */ (listOf(cert.ce_credits || []));
  const totalPoints = credits.filter((c) => c.status === "active").reduce((n, c) => n + Number(c.points || 0), 0);
  container.append(
    h(
      "section",
      { "aria-labelledby": "ce-title" },
      h("h2", { id: "ce-title" }, `CE Credits (+${totalPoints} active)`),
      table({
        caption: "Continuing education credits counted for this certification",
        columns: ["Active Date", "Inactive Date", "Points", "Status"],
        rows: credits.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, fmt.date(c.active_date)),
            h("td", {}, fmt.date(c.inactive_date)),
            h("td", { class: "num" }, c.points),
            h("td", {}, fmt.titleCase(c.status)),
          ),
        ),
        empty: "No CE credits yet.",
      }),
    ),
    h(
      "section",
      { "aria-labelledby": "history-title" },
      h("h2", { id: "history-title" }, "History"),
      table({
        caption: "What happened to this certification",
        columns: ["Date", "Event"],
        rows: /** @type {CertificationEvent[]} */ (listOf(cert.history || [])).map((e) =>
          h("tr", {}, h("td", {}, fmt.date(e.date)), h("td", {}, fmt.titleCase(e.event))),
        ),
        empty: "No history yet.",
      }),
    ),
  );
}

/** @type {View} */
export async function logosView(container, { path }) {
  container.append(subnav("Certifications", NAV, path), heading("Certification Logos"));
  const data = /** @type {Logos | null} */ (await withLoading(container, () => api.get("/me/logos")));
  const logos = /** @type {Logo[]} */ (listOf(data, "logos"));
  const agreement = (data && data.agreement) || {};
  const accept = h("input", { type: "checkbox", id: uid("accept"), name: "accept_agreement" });
  container.append(
    h(
      "section",
      { class: "card", "aria-labelledby": "agreement-title" },
      h("h2", { id: "agreement-title" }, `Logo agreement${agreement.version ? ` (version ${agreement.version})` : ""}`),
      h("p", {}, "By selecting and downloading a logo, you agree to the logo guidelines and agreement below."),
      h("blockquote", { class: "agreement", tabindex: "0", "aria-label": "Logo agreement text" }, agreement.text || ""),
      h("div", { class: "checkbox" }, accept, h("label", { for: accept.id }, "I accept the logo agreement")),
    ),
  );
  const rows = logos.map((logo) => {
    const formats = logo.formats && logo.formats.length ? logo.formats : ["png"];
    const select = h(
      "select",
      { name: `format-${logo.id}`, "aria-label": `File format for ${logo.name}` },
      formats.map((f) => h("option", { value: f }, String(f).toUpperCase())),
    );
    const button = h("button", { type: "button", "aria-label": `Download ${logo.name}` }, "Download");
    button.addEventListener("click", async () => {
      if (!accept.checked) {
        announce("Please accept the logo agreement before downloading a logo.", "error");
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
        announce(`Downloading ${logo.name}.`, "success");
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
    h("h2", {}, "Available logo files"),
    table({
      caption: "Logos of your active certifications",
      columns: ["Logo", "Format", "Download"],
      rows,
      empty: "No logos are available: logos come with active certifications.",
    }),
  );
}

