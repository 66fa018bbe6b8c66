// @ts-check
// Home: who you are, your active certifications, where to go next.
import { api, listOf } from "../api.js";
import { h, table } from "../dom.js";
import { heading, withLoading, errorBox } from "../ui.js";
import { state } from "../state.js";
import * as fmt from "../format.js";
/** @import { CertificationGroup, Me, View } from "../types.js" */

const CARDS = [
  ["#/personal/settings", "Personal Info", "Confirm your settings, job title and account IDs."],
  ["#/history/exams", "Testing History", "Exams, continuing education activities, transactions and agreements."],
  ["#/certifications", "Certifications", "Progress, CE credits, logos and PDF certificates."],
  ["#/fulfillment", "Certificates & Plaques", "Claim your initial kit, purchase more and follow shipping."],
  ["#/transcripts", "Transcripts", "Share your certification status with third parties."],
];

/** @type {View} */
export async function homeView(container) {
  /** @type {Partial<Me>} */
  const me = state.me || {};
  container.append(
    heading(`Welcome, ${[me.first_name, me.last_name].filter(Boolean).join(" ") || "candidate"}`),
    h("p", { class: "lead" }, `Candidate ID ${me.candidate_id || "n/a"}`),
    h(
      "ul",
      { class: "cards" },
      CARDS.map(([href, title, text]) => h("li", {}, h("a", { href, class: "card-link" }, h("strong", {}, title), h("span", {}, text)))),
    ),
  );
  const section = h("section", { "aria-labelledby": "home-active" }, h("h2", { id: "home-active" }, "Active certifications"));
  container.append(section);
  try {
    const data = await withLoading(section, () => api.get("/me/certifications"));
    const groups = /** @type {CertificationGroup[]} */ (listOf(data, "groups"));
    const certs = groups.flatMap((g) => (g.certifications || []).map((c) => ({ ...c, category: g.category })));
    const active = certs.filter((c) => c.status === "active");
    section.append(
      table({
        caption: "Your active certifications",
        columns: ["Name", "Category", "Active", "Expires"],
        rows: active.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/certifications/${encodeURIComponent(c.id)}` }, c.name)),
            h("td", {}, c.category),
            h("td", {}, fmt.date(c.active_date)),
            h("td", {}, fmt.date(c.expiration_date, "Never")),
          ),
        ),
        empty: "No active certifications yet.",
      }),
    );
  } catch (error) {
    section.append(errorBox(error));
  }
}
