// @ts-check
// Certificates & Plaques: claim & purchase (catalog, tracking, payment method), the shipping form
// (Latin demographics + optional localized block), the confirmation screen, history & status.
import { api, listOf, ApiError, newIdempotencyKey } from "../api.js";
import { h, table, field, uid } from "../dom.js";
import { heading, withLoading, subnav, announce, submitting, showFieldErrors } from "../ui.js";
import { state } from "../state.js";
import { countryOptions } from "../countries.js";
import * as fmt from "../format.js";
/**
 * @import { AddressField, Catalog, CatalogItem, FulfillmentEntry, LocalizedAddress, LocalizedField, Me,
 *   OrderResult, OrderSelection, ShippingAddress, View } from "../types.js"
 */

/** @type {[string, string][]} */
const NAV = [
  ["#/fulfillment", "Claim & Purchase Fulfillment"],
  ["#/fulfillment/history", "History & Status"],
];

const SHIPPING_NOTE = "Please allow 6-8 weeks for processing and shipping";

/** @type {View} */
export async function claimView(container, { path, navigate }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Claim & Purchase Fulfillment"));
  const catalog = /** @type {Catalog} */ (await withLoading(container, () => api.get("/me/fulfillment/catalog")));
  const items = /** @type {CatalogItem[]} */ (listOf(catalog, "items"));
  /** @type {Partial<OrderSelection>} */
  const previous = state.order || {};
  const chosen = new Set(previous.skus || []);
  const currency = (items[0] && items[0].currency) || "USD";
  const trackingFee = catalog.tracking_fee_cents || 0;

  const total = h("output", { id: "order-total", "aria-live": "polite" });
  /** @type {[HTMLInputElement, CatalogItem][]} */
  const boxes = [];
  const rows = items.map((item) => {
    const box = h("input", {
      type: "checkbox",
      id: uid("sku"),
      name: "sku",
      value: item.sku,
      checked: chosen.has(item.sku),
      dataset: { sku: item.sku },
    });
    boxes.push([box, item]);
    return h(
      "tr",
      {},
      h("td", { class: "check" }, box),
      h("th", { scope: "row" }, h("label", { for: box.id }, item.name)),
      h("td", {}, fmt.titleCase(item.kind), item.initial_kit ? h("span", { class: "badge badge-met kit-badge" }, "Initial kit") : null),
      h("td", { class: "num" }, fmt.money(item.price_cents, item.currency)),
    );
  });
  const tracking = h("input", { type: "checkbox", id: uid("tracking"), name: "tracking", checked: Boolean(previous.tracking) });
  const methods = catalog.payment_methods || Object.keys(fmt.PAYMENT_METHODS);
  const payment = h(
    "select",
    { name: "payment_method" },
    methods.map((m) => h("option", { value: m, selected: previous.payment_method === m }, fmt.PAYMENT_METHODS[m] || fmt.titleCase(m))),
  );

  const recompute = () => {
    const selected = boxes.filter(([b]) => b.checked).map(([, item]) => item);
    const cents = selected.reduce((n, i) => n + Number(i.price_cents || 0), 0) + (tracking.checked && selected.length ? trackingFee : 0);
    total.textContent = `Total: ${fmt.money(cents, currency)}`;
  };
  boxes.forEach(([b]) => b.addEventListener("change", recompute));
  tracking.addEventListener("change", recompute);
  recompute();

  const form = h(
    "form",
    { novalidate: true },
    h("h2", {}, "Step 1: choose your kits"),
    table({
      caption: "Certificates and plaques you can claim or purchase. Unclaimed initial kits are free.",
      columns: [h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Select")), "Name", "Description", "Price"],
      rows,
      empty: "Nothing is available to claim or purchase yet.",
    }),
    h(
      "div",
      { class: "checkbox" },
      tracking,
      h("label", { for: tracking.id }, `Tracking: ${fmt.money(trackingFee, currency)} for printed certificates`),
    ),
    h("p", { class: "hint" }, "Trackable shipping is available for a fee."),
    field("Payment method", payment, { hint: "Used when the total is more than $0.00." }),
    h("p", { class: "total" }, total),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Purchase")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const selected = boxes.filter(([b]) => b.checked).map(([, item]) => item);
    if (!selected.length) {
      announce("Select at least one kit to claim or purchase.", "error");
      if (boxes[0]) boxes[0][0].focus();
      return;
    }
    state.order = {
      skus: selected.map((i) => i.sku),
      items: selected,
      tracking: tracking.checked,
      payment_method: payment.value,
      tracking_fee_cents: trackingFee,
      currency,
    };
    navigate("#/fulfillment/shipping");
  });
  container.append(form);
}

/** @type {[AddressField, string, string, boolean][]} [field, label, autocomplete, required] */
const LATIN_FIELDS = [
  ["first_name", "First Name", "given-name", true],
  ["last_name", "Last Name", "family-name", true],
  ["email", "Email", "email", true],
  ["phone", "Phone Number", "tel", false],
  ["address1", "Address", "address-line1", true],
  ["address2", "Address (Cont)", "address-line2", false],
  ["city", "City", "address-level2", true],
  ["state", "State/Province", "address-level1", false],
  ["postal_code", "Postal Code", "postal-code", false],
  ["country", "Country", "country", true],
];

/** @type {[LocalizedField, string][]} */
const LOCALIZED_FIELDS = [
  ["first_name", "First Name"],
  ["last_name", "Last Name"],
  ["address1", "Address"],
  ["address2", "Address (Cont)"],
  ["city", "City"],
  ["state", "State/Province"],
  ["postal_code", "Postal Code"],
];

/**
 * What the selection costs at the catalog's prices (the server totals it again).
 * @param {OrderSelection} order
 */
function selectionTotal(order) {
  return order.items.reduce((sum, i) => sum + (i.price_cents || 0), 0) + (order.tracking ? order.tracking_fee_cents : 0);
}

/** @param {OrderSelection} order */
function fingerprint(order) {
  return JSON.stringify([order.skus, order.tracking, order.payment_method]);
}

/** @type {View} */
export async function shippingView(container, { path, navigate }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Shipping information"));
  const order = state.order;
  if (!order) {
    container.append(h("p", {}, "Choose what to claim or purchase first. ", h("a", { href: "#/fulfillment" }, "Back to step 1")));
    return;
  }
  /** @type {ShippingAddress} */
  let address = {};
  try {
    address = /** @type {ShippingAddress | null} */ (await withLoading(container, () => api.get("/me/shipping-address"))) || {};
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    /** @type {Partial<Me>} */
    const me = state.me || {};
    address = { first_name: me.first_name, last_name: me.last_name, email: me.email };
  }
  /** @type {LocalizedAddress} */
  const localized = address.localized || {};

  /** @type {[AddressField, HTMLInputElement | HTMLSelectElement, HTMLDivElement][]} */
  const latinInputs = LATIN_FIELDS.map(([key, label, autocomplete, required]) => {
    if (key === "country") {
      const current = String(address.country || "").toUpperCase();
      const select = h(
        "select",
        { name: key, autocomplete: "country" },
        h("option", { value: "" }, "Choose a country"),
        countryOptions().map(([code, name]) => h("option", { value: code, selected: code === current }, name)),
      );
      return [key, select, field(label, select, { required })];
    }
    const input = h("input", {
      name: key,
      type: key === "email" ? "email" : key === "phone" ? "tel" : "text",
      autocomplete,
      value: address[key] ?? "",
      maxlength: key === "email" ? "254" : "100",
    });
    return [key, input, field(label, input, { required })];
  });
  /** @type {[LocalizedField, HTMLInputElement, HTMLDivElement][]} */
  const localInputs = LOCALIZED_FIELDS.map(([key, label]) => {
    const input = h("input", { name: `localized.${key}`, type: "text", value: localized[key] ?? "", maxlength: "100" });
    const f = field(label, input);
    f.dataset.field = `localized.${key}`;
    return [key, input, f];
  });

  const summary = order.items.map((i) => h("li", {}, `${i.name} — ${fmt.money(i.price_cents, i.currency)}`));
  const form = h(
    "form",
    { novalidate: true },
    h(
      "section",
      { class: "card", "aria-labelledby": "order-summary" },
      h("h2", { id: "order-summary" }, "Your selection"),
      h("ul", {}, summary, order.tracking ? h("li", {}, `Tracking — ${fmt.money(order.tracking_fee_cents, order.currency)}`) : null),
      h(
        "p",
        {},
        selectionTotal(order) > 0
          ? `Payment method: ${fmt.PAYMENT_METHODS[order.payment_method] || order.payment_method}`
          : "No payment needed.",
      ),
      h("p", {}, h("a", { href: "#/fulfillment" }, "Change selection")),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, "Demographics - English (Roman) alphabet only"),
      h("p", { class: "hint" }, "Review and update the information below before proceeding."),
      h("div", { class: "grid-2" }, latinInputs.map(([, , f]) => f)),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, "Localized (optional) - any script, double byte characters allowed"),
      h("div", { class: "grid-2" }, localInputs.map(([, , f]) => f)),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Confirm")),
  );

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    /** @type {Record<string, unknown>} */
    const body = {};
    for (const [key, input] of latinInputs) body[key] = input.value.trim() || null;
    /** @type {Record<string, string>} */
    const loc = {};
    for (const [key, input] of localInputs) if (input.value.trim()) loc[key] = input.value.trim();
    if (Object.keys(loc).length) body.localized = loc;
    const missing = LATIN_FIELDS.filter(([key, , , required]) => required && !body[key]);
    if (missing.length) {
      showFieldErrors(form, {
        fieldErrors: missing.map(([key, label]) => ({ field: key, message: `${label} is required` })),
      });
      announce(`Please fill in: ${missing.map(([, label]) => label).join(", ")}.`, "error");
      return;
    }
    for (const key of Object.keys(body)) if (body[key] === null) delete body[key];
    submitting(
      form,
      async () => {
        await api.put("/me/shipping-address", body);
        // One key per order attempt: a retry of the same selection (after a network error or a
        // 5xx) reuses it, so the server never places the order twice.
        const print = fingerprint(order);
        if (!state.pendingOrder || state.pendingOrder.fingerprint !== print) {
          state.pendingOrder = { fingerprint: print, key: newIdempotencyKey() };
        }
        const result = /** @type {OrderResult} */ (
          await api.post(
            "/me/fulfillment/orders",
            // A free order takes no payment method.
            { skus: order.skus, tracking: order.tracking, payment_method: selectionTotal(order) > 0 ? order.payment_method : undefined },
            { headers: { "Idempotency-Key": state.pendingOrder.key } },
          )
        );
        state.pendingOrder = null;
        state.lastOrder = { ...result, requested: order };
        state.order = null;
        navigate("#/fulfillment/confirmation");
      },
      { busyText: "Submitting…" },
    );
  });
  container.append(form);
}

/** @type {View} */
export async function orderConfirmationView(container, { path }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Claim & Purchase Fulfillment"));
  const result = state.lastOrder;
  if (!result) {
    container.append(h("p", {}, "There is no recent order to show. ", h("a", { href: "#/fulfillment/history" }, "See History & Status")));
    return;
  }
  /** @type {Partial<OrderSelection>} */
  const requested = result.requested || {};
  /** @type {Partial<CatalogItem>[]} */
  const items = /** @type {(string | Partial<CatalogItem>)[]} */ (listOf(result.items || [])).map((item) => {
    if (typeof item === "string") {
      const known = (requested.items || []).find((i) => i.sku === item);
      return known || { name: item };
    }
    return item;
  });
  const currency = result.currency || requested.currency || "USD";
  // A priced order waits for its payment (the provider's webhook marks it paid); this client has
  // no card step yet, so it says so instead of claiming a purchase.
  const awaiting = result.status === "awaiting_payment";
  container.append(
    h(
      "div",
      { class: awaiting ? "notice" : "notice notice-success", id: "order-confirmation" },
      h(
        "p",
        {},
        awaiting
          ? "Your order is saved and awaiting payment. Nothing is charged or shipped until the payment is confirmed."
          : "The following fulfillment have been successfully purchased and submitted.",
      ),
    ),
    table({
      caption: `Order ${result.order_id || ""}`.trim(),
      columns: ["Name", "Price"],
      rows: items.map((i) =>
        h("tr", {}, h("td", {}, i.name || i.sku), h("td", { class: "num" }, fmt.money(i.price_cents ?? 0, i.currency || currency))),
      ),
    }),
    h("p", { class: "total" }, `Total: ${fmt.money(result.total_cents ?? 0, currency)}`, result.status ? ` · Status: ${fmt.titleCase(result.status)}` : ""),
    h("p", { class: "note" }, h("strong", {}, "NOTE: "), SHIPPING_NOTE),
    h("p", {}, h("a", { href: "#/fulfillment/history" }, "See History & Status")),
  );
}

/** @type {View} */
export async function fulfillmentHistoryView(container, { path }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Fulfillment History & Status"));
  const data = await withLoading(container, () => api.get("/me/fulfillment/history"));
  const items = /** @type {FulfillmentEntry[]} */ (listOf(data, "history", "fulfillments"));
  container.append(
    table({
      caption: "Certificates, plaques and letters sent to you",
      columns: ["Name", "Verification Code", "Queued", "Sent", "Complete", "Status"],
      rows: items.map((f) =>
        h(
          "tr",
          {},
          h("td", {}, f.name),
          h("td", {}, f.verification_code || ""),
          h("td", {}, fmt.date(f.queued)),
          h("td", {}, fmt.date(f.sent)),
          h("td", {}, fmt.date(f.complete)),
          h("td", {}, fmt.titleCase(f.status)),
        ),
      ),
      empty: "Nothing has been claimed or purchased yet.",
    }),
    h("p", { class: "note" }, h("strong", {}, "NOTE: "), SHIPPING_NOTE),
  );
}
