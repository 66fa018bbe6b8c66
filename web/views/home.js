// @ts-check
// Home: who you are, your active certifications, where to go next.
import { api, listOf } from "../api.js";
import { h, table } from "../dom.js";
import { heading, withLoading, errorBox } from "../ui.js";
import { state } from "../state.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
/** @import { CertificationGroup, Me, View } from "../types.js" */

// [href, section]: the title is the catalogue's "nav.<section>", the text "home.card.<section>".
const CARDS = [
  ["#/personal/settings", "personal"],
  ["#/history/exams", "history"],
  ["#/certifications", "certifications"],
  ["#/fulfillment", "fulfillment"],
  ["#/transcripts", "transcripts"],
];

/** @type {View} */
export async function homeView(container) {
  /** @type {Partial<Me>} */
  const me = state.me || {};
  container.append(
    heading(t("home.welcome", { name: [me.first_name, me.last_name].filter(Boolean).join(" ") || t("home.candidate") })),
    h("p", { class: "lead" }, t("home.candidateId", { id: me.candidate_id || t("fmt.na") })),
    h(
      "ul",
      { class: "cards" },
      CARDS.map(([href, key]) =>
        h("li", {}, h("a", { href, class: "card-link" }, h("strong", {}, t(`nav.${key}`)), h("span", {}, t(`home.card.${key}`)))),
      ),
    ),
  );
  const section = h("section", { "aria-labelledby": "home-active" }, h("h2", { id: "home-active" }, t("home.active")));
  container.append(section);
  try {
    const data = await withLoading(section, () => api.get("/me/certifications"));
    const groups = /** @type {CertificationGroup[]} */ (listOf(data, "groups"));
    const certs = groups.flatMap((g) => (g.certifications || []).map((c) => ({ ...c, category: g.category })));
    const active = certs.filter((c) => c.status === "active");
    section.append(
      table({
        caption: t("home.caption"),
        columns: [t("home.col.name"), t("home.col.category"), t("home.col.active"), t("home.col.expires")],
        rows: active.map((c) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `#/certifications/${encodeURIComponent(c.id)}` }, c.name)),
            h("td", {}, c.category),
            h("td", {}, fmt.date(c.active_date)),
            h("td", {}, fmt.date(c.expiration_date, t("fmt.never"))),
          ),
        ),
        empty: t("home.none"),
      }),
    );
  } catch (error) {
    section.append(errorBox(error));
  }
}
