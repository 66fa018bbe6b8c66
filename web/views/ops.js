// @ts-check
// Operators: the kits to ship (queued), on their way (sent) and delivered (complete); one button
// moves a kit to its next status. Shown to logins in the `operators` group (the API checks it).
import { api, listOf, getToken, tokenClaims } from "../api.js";
import { h, table, field } from "../dom.js";
import { heading, subnav, withLoading, flash, submitting } from "../ui.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { opsNav } from "./ops_nav.js";
/** @import { Kit, KitStatus, LocalizedAddress, Page, ShippingAddress, View } from "../types.js" */

/** @typedef {[KitStatus, string, string | null, KitStatus | null]} StatusStep [status, tab's message key, action's, next status] */

/** @type {StatusStep[]} */
const STATUSES = [
  ["queued", "ops.kits.toShip", "ops.kits.markSent", "sent"],
  ["sent", "kit.status.sent", "ops.kits.markComplete", "complete"],
  ["complete", "kit.status.complete", null, null],
];

// The carriers the API takes (`certtrack.fulfillment.carriers.CARRIERS`; a unit test keeps the two equal).
/** @type {[string, string | null][]} [value, name (null: the catalogue's words)] */
export const CARRIERS = [
  ["UPS", "UPS"],
  ["FedEx", "FedEx"],
  ["USPS", "USPS"],
  ["DHL", "DHL"],
  ["other", null],
];

/** @param {string | null | undefined} carrier a carrier's value (CARRIERS) in words */
function carrierName(carrier) {
  const known = CARRIERS.find(([value]) => value === carrier);
  return known ? known[1] || t("ops.kits.otherCarrier") : String(carrier || "");
}

/**
 * The carrier and tracking number fields of a tracked kit's "Mark as sent" (both required).
 * @param {Kit} kit
 */
function trackingFields(kit) {
  const carrier = h(
    "select",
    { name: "carrier", required: true },
    h("option", { value: "" }, t("ops.kits.choose")),
    CARRIERS.map(([value]) => h("option", { value }, carrierName(value))),
  );
  const number = h("input", { name: "tracking_number", type: "text", required: true, maxlength: 40, autocomplete: "off" });
  return [
    field(t("ops.kits.carrierFor", { id: kit.fulfillment_id }), carrier, { required: true }),
    field(t("ops.kits.trackingNumberFor", { id: kit.fulfillment_id }), number, { required: true }),
  ];
}

/**
 * The Tracking cell: whether the order bought it, and the number once sent (linked when the carrier has a page).
 * @param {Kit} kit
 */
function trackingCell(kit) {
  if (!kit.tracking_number) return fmt.yesNo(Boolean(kit.tracking));
  const number = kit.tracking_url
    ? h("a", { href: kit.tracking_url, target: "_blank", rel: "noopener noreferrer" }, kit.tracking_number)
    : kit.tracking_number;
  return h("span", {}, t("ops.kits.carrierLabel", { carrier: carrierName(kit.carrier) }), number);
}

/** Whether the login belongs to the operators group (from the ID token; display only). */
export function isOperator() {
  const token = getToken();
  const groups = token ? tokenClaims(token)["cognito:groups"] : null;
  return (Array.isArray(groups) ? groups : String(groups || "").split(/[,\s]+/)).includes("operators");
}

/**
 * The lines of an address (Latin script, or the candidate's own script when `localized`).
 * @param {ShippingAddress | LocalizedAddress} a
 */
function lines(a) {
  return [
    [a.first_name, a.last_name].filter(Boolean).join(" "),
    a.address1,
    a.address2,
    [a.city, a.state, a.postal_code].filter(Boolean).join(" "),
  ];
}

/** @param {ShippingAddress | null} a the address the kit ships to, with its localized form if the candidate gave one */
function addressLines(a) {
  if (!a) return [h("em", {}, t("ops.kits.noAddress"))];
  const latin = [...lines(a), a.country, a.phone].filter(Boolean);
  const block = latin.flatMap((line, i) => (i ? [h("br"), line] : [line]));
  const local = a.localized ? lines(a.localized).filter(Boolean) : [];
  if (!local.length) return block;
  return [
    ...block,
    h(
      "div",
      { class: "localized-address" },
      ...local.flatMap((line, i) => (i ? [h("br"), line] : [line])),
    ),
  ];
}

/** @type {View} */
export async function opsKitsView(container, { query, path, navigate }) {
  // An unknown or missing ?status= shows the first step (queued).
  const step = STATUSES.find(([s]) => s === query.get("status")) || STATUSES[0];
  const [status, , actionKey, target] = step;
  const action = actionKey ? t(actionKey) : null;
  container.append(
    opsNav("#/ops/kits"),
    subnav(
      t("ops.kits.statusNav"),
      STATUSES.map(([s, key]) => [`#/ops/kits?status=${s}`, t(key)]),
      `${path}?status=${status}`,
    ),
    heading(t(`ops.kits.title.${status}`)),
  );
  const list = h("div", {});
  container.append(list);

  /** @param {string | null | undefined} next the cursor of the page to load (none: the first) */
  async function load(next) {
    const data = /** @type {Page<Kit> | null} */ (
      await withLoading(list, () => api.get("/ops/fulfillment", { query: { status, limit: 50, ...(next ? { next } : {}) } }))
    );
    const items = /** @type {Kit[]} */ (listOf(data, "items"));
    const rows = items.map((kit) => {
      const cells = [
        h("td", {}, kit.name, h("br"), h("small", {}, kit.fulfillment_id)),
        h("td", {}, kit.candidate_id),
        h("td", {}, ...addressLines(kit.ship_to)),
        h("td", {}, trackingCell(kit)),
        h("td", {}, fmt.date(kit[status] || kit.queued)),
      ];
      if (action) {
        // A kit bought with tracked shipping is sent with its carrier and number (the API requires them).
        const asksTracking = target === "sent" && kit.tracking;
        const form = h(
          "form",
          {
            onsubmit: async (/** @type {SubmitEvent} */ event) => {
              event.preventDefault();
              const values = new FormData(form);
              const body = asksTracking
                ? { status: target, carrier: values.get("carrier"), tracking_number: values.get("tracking_number") }
                : { status: target };
              const done = await submitting(form, () =>
                api.put(`/ops/fulfillment/${encodeURIComponent(kit.fulfillment_id)}`, body),
              );
              if (done) {
                flash(t(`ops.kits.now.${target}`, { name: kit.name, id: kit.fulfillment_id }), "success");
                navigate(`#/ops/kits?status=${status}`);
              }
            },
          },
          ...(asksTracking ? trackingFields(kit) : []),
          h("button", { type: "submit", "aria-label": t("ops.kits.actionLabel", { action, name: kit.name, id: kit.fulfillment_id }) }, action),
        );
        cells.push(h("td", {}, form));
      }
      return h("tr", {}, ...cells);
    });
    list.append(
      table({
        caption: t(`ops.kits.caption.${status}`),
        columns: [
          t("ops.kits.col.kit"),
          t("ops.kits.col.candidate"),
          t("ops.kits.col.shipTo"),
          t("ops.kits.col.tracking"),
          t("ops.kits.col.since"),
          ...(action ? [t("ops.kits.col.action")] : []),
        ],
        rows,
        empty: t("ops.kits.empty"),
      }),
    );
    if (data && data.next) {
      const more = h("button", { type: "button", onclick: () => { more.remove(); load(data.next); } }, t("ops.showMore"));
      list.append(more);
    }
  }
  await load(null);
}
