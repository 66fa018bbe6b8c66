// @ts-check
// Certificates & Plaques: claim & purchase (catalog, tracking, payment method), the shipping form
// (Latin demographics + optional localized block), the confirmation screen, history & status.
import { api, listOf, ApiError, newIdempotencyKey } from "../api.js";
import { h, append, table, field, uid } from "../dom.js";
import { heading, withLoading, subnav, announce, submitting, checkedBeforeSending } from "../ui.js";
import { check } from "../validate.js";
import { SCHEMAS } from "../rules.js";
import { state } from "../state.js";
import { countryOptions } from "../countries.js";
import { providerFor, paymentErrorMessage, AUTHENTICATION_FAILED } from "../payment.js";
import * as fmt from "../format.js";
/**
 * @import { AddressField, Catalog, CatalogItem, FulfillmentEntry, LocalizedAddress, LocalizedField, Me,
 *   OrderResult, OrderSelection, ShippingAddress, View } from "../types.js"
 */

/** How often, and for how long, the confirmation screen asks whether the payment has arrived. */
const STATUS_POLL_MS = 1500;
const STATUS_POLL_LIMIT_MS = 90_000;

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

/** @type {[AddressField, string, string][]} [field, label, autocomplete]; required and limits: the server's (rules.js) */
const LATIN_FIELDS = [
  ["first_name", "First Name", "given-name"],
  ["last_name", "Last Name", "family-name"],
  ["email", "Email", "email"],
  ["phone", "Phone Number", "tel"],
  ["address1", "Address", "address-line1"],
  ["address2", "Address (Cont)", "address-line2"],
  ["city", "City", "address-level2"],
  ["state", "State/Province", "address-level1"],
  ["postal_code", "Postal Code", "postal-code"],
  ["country", "Country", "country"],
];
const ADDRESS_RULES = SCHEMAS.ShippingAddress;
const LOCALIZED_RULES = SCHEMAS.Localized;

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
  const latinInputs = LATIN_FIELDS.map(([key, label, autocomplete]) => {
    const rule = ADDRESS_RULES[key];
    const optionalIn = rule.optionalIn?.country;
    const required = Boolean(rule.required);
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
      maxlength: String(rule.maxLength),
    });
    const hint = optionalIn ? "Leave empty only where addresses have no postal code." : undefined;
    const box = field(label, input, { required, hint });
    if (optionalIn) input.required = false; // the check below knows the countries (rules.js)
    return [key, input, box];
  });
  /** @type {[LocalizedField, HTMLInputElement, HTMLDivElement][]} */
  const localInputs = LOCALIZED_FIELDS.map(([key, label]) => {
    const input = h("input", {
      name: `localized.${key}`,
      type: "text",
      value: localized[key] ?? "",
      maxlength: String(LOCALIZED_RULES[key].maxLength),
    });
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
    for (const key of Object.keys(body)) if (body[key] === null) delete body[key];
    if (!checkedBeforeSending(form, check("ShippingAddress", body))) return;
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
        navigate(result.status === "awaiting_payment" && result.payment ? "#/fulfillment/payment" : "#/fulfillment/confirmation");
      },
      { busyText: "Submitting…" },
    );
  });
  container.append(form);
}

/**
 * The order's lines as the server priced them: each kit, then tracked shipping if bought.
 * @param {OrderResult & { requested?: Partial<OrderSelection> }} result
 * @returns {{ lines: [string, number][], currency: string }}
 */
function orderLines(result) {
  /** @type {Partial<OrderSelection>} */
  const requested = result.requested || {};
  const currency = result.currency || requested.currency || "USD";
  /** @type {[string, number][]} */
  const lines = /** @type {(string | Partial<CatalogItem>)[]} */ (listOf(result.items || [])).map((item) => {
    const known = typeof item === "string" ? (requested.items || []).find((i) => i.sku === item) || { name: item } : item;
    return [known.name || known.sku || "", known.price_cents ?? 0];
  });
  if (result.tracking) lines.push(["Tracked shipping", result.tracking_fee_cents ?? requested.tracking_fee_cents ?? 0]);
  return { lines, currency };
}

/**
 * @param {OrderResult & { requested?: Partial<OrderSelection> }} result
 * @param {string} caption
 */
function orderTable(result, caption) {
  const { lines, currency } = orderLines(result);
  return [
    table({
      caption,
      columns: ["Item", "Price"],
      rows: lines.map(([name, cents]) => h("tr", {}, h("td", {}, name), h("td", { class: "num" }, fmt.money(cents, currency)))),
    }),
    h("p", { class: "total", id: "order-total" }, `Total: ${fmt.money(result.total_cents ?? 0, currency)}`),
  ];
}

/** @type {View} */
export async function paymentView(container, { path, navigate }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Payment"));
  const result = state.lastOrder;
  const payment = result && result.payment;
  if (!result || !payment || result.status !== "awaiting_payment") {
    container.append(h("p", {}, "There is no order waiting for payment. ", h("a", { href: "#/fulfillment/history" }, "See History & Status")));
    return;
  }
  const stripe = await withLoading(container, () => providerFor(payment), "Loading the payment form…");
  const card = stripe.elements().create("card", { hidePostalCode: false });
  const cardBox = h("div", { class: "card-element", id: "card-element", role: "group", "aria-labelledby": "card-label" });
  const cardError = h("p", { class: "field-error", id: "card-errors", role: "alert" });
  const nameInput = h("input", { name: "cardholder", type: "text", autocomplete: "cc-name", maxlength: "100" });
  /** @type {Partial<Me>} */
  const me = state.me || {};
  nameInput.value = [me.first_name, me.last_name].filter(Boolean).join(" ");
  const form = h(
    "form",
    { novalidate: true },
    h(
      "section",
      { class: "card", "aria-labelledby": "payment-summary" },
      h("h2", { id: "payment-summary" }, "Your order"),
      orderTable(result, `Order ${result.order_id || ""}`.trim()),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, "Pay by credit or debit card"),
      h("p", { class: "hint" }, "Card details go straight to our payment provider; this portal never sees or keeps them."),
      field("Name on card", nameInput),
      h("div", { class: "field" }, h("span", { class: "label", id: "card-label" }, "Card"), cardBox, cardError),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, `Pay ${fmt.money(result.total_cents ?? 0, result.currency || "USD")}`)),
  );
  container.append(form);
  card.mount(cardBox);
  card.on("change", (event) => {
    cardError.textContent = event && event.error ? paymentErrorMessage({ type: "validation_error", ...event.error }) : "";
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitting(
      form,
      async () => {
        cardError.textContent = "";
        const name = nameInput.value.trim();
        const answer = await stripe.confirmCardPayment(payment.client_secret, {
          payment_method: { card, billing_details: name ? { name } : {} },
        });
        const status = answer.paymentIntent && answer.paymentIntent.status;
        if (answer.error || !status || status === "requires_payment_method" || status === "canceled") {
          // A failed 3-D Secure check comes back as an error from Stripe.js (as a payment that
          // needs another card from localstripe's mock): the same words either way.
          const message = answer.error ? paymentErrorMessage(answer.error) : AUTHENTICATION_FAILED;
          cardError.textContent = message;
          announce(message, "error");
          return;
        }
        state.lastOrder = { ...result, payment: null, status: "payment_submitted" };
        navigate("#/fulfillment/confirmation");
      },
      { busyText: "Paying…" },
    );
  });
}

/**
 * Ask the history whether the order's kits are queued (the provider's webhook marks the order
 * paid and queues its kits in one transaction) until they are, the screen is left, or time is up.
 * @param {HTMLElement} container
 * @param {string} orderId
 * @param {HTMLElement} live the status text
 */
async function followPayment(container, orderId, live) {
  const deadline = Date.now() + STATUS_POLL_LIMIT_MS;
  while (container.isConnected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
    if (!container.isConnected) return;
    let kits;
    try {
      const data = await api.get("/me/fulfillment/history");
      kits = /** @type {FulfillmentEntry[]} */ (listOf(data, "history", "fulfillments")).filter((k) => k.order_id === orderId);
    } catch {
      continue; // a failed poll is retried; the screen already says what is known
    }
    if (kits.length && kits.every((k) => k.status !== "awaiting_payment")) {
      live.textContent = "Status: Paid. Your kits are queued for processing and shipping.";
      live.dataset.status = "paid";
      return;
    }
  }
  if (container.isConnected && live.dataset.status !== "paid") {
    live.textContent =
      "Status: Payment submitted, not yet confirmed by the payment provider. This can take a few minutes: History & Status shows the kits once it arrives.";
  }
}

/** @type {View} */
export async function orderConfirmationView(container, { path }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Claim & Purchase Fulfillment"));
  const result = state.lastOrder;
  if (!result) {
    container.append(h("p", {}, "There is no recent order to show. ", h("a", { href: "#/fulfillment/history" }, "See History & Status")));
    return;
  }
  // A priced order is paid when the provider's webhook says so; until then the screen says
  // what it knows and follows the order's status.
  const awaiting = result.status === "awaiting_payment";
  const submitted = result.status === "payment_submitted";
  const live = h("p", { id: "order-status", role: "status", "aria-live": "polite", dataset: { status: result.status || "" } });
  live.textContent = submitted
    ? "Status: Payment received by the payment provider, waiting for its confirmation…"
    : awaiting
      ? "Status: Awaiting payment."
      : `Status: ${fmt.titleCase(result.status || "queued")}.`;
  append(container, [
    h(
      "div",
      { class: submitted || !awaiting ? "notice notice-success" : "notice", id: "order-confirmation" },
      h(
        "p",
        {},
        submitted
          ? "Thank you: your payment was accepted. The following fulfillment have been purchased and will be submitted as soon as the payment is confirmed."
          : awaiting
            ? "Your order is saved and awaiting payment. Nothing is charged or shipped until the payment is confirmed."
            : "The following fulfillment have been successfully purchased and submitted.",
      ),
    ),
    orderTable(result, `Order ${result.order_id || ""}`.trim()),
    live,
    awaiting && result.payment ? h("p", {}, h("a", { href: "#/fulfillment/payment" }, "Pay now")) : null,
    h("p", { class: "note" }, h("strong", {}, "NOTE: "), SHIPPING_NOTE),
    h("p", {}, h("a", { href: "#/fulfillment/history" }, "See History & Status")),
  ]);
  if (submitted && result.order_id) void followPayment(container, result.order_id, live);
}

/**
 * The tracking number of a sent kit, linked to the carrier's tracking page when it has one.
 * @param {FulfillmentEntry} f
 */
function trackingLink(f) {
  if (!f.tracking_number) return "";
  const label = `${f.tracking_number}${f.carrier && f.carrier !== "other" ? ` (${f.carrier})` : ""}`;
  return f.tracking_url ? h("a", { href: f.tracking_url, target: "_blank", rel: "noopener noreferrer" }, label) : label;
}

/** @type {View} */
export async function fulfillmentHistoryView(container, { path }) {
  container.append(subnav("Certificates & Plaques", NAV, path), heading("Fulfillment History & Status"));
  const data = await withLoading(container, () => api.get("/me/fulfillment/history"));
  const items = /** @type {FulfillmentEntry[]} */ (listOf(data, "history", "fulfillments"));
  container.append(
    table({
      caption: "Certificates, plaques and letters sent to you",
      columns: ["Name", "Verification Code", "Queued", "Sent", "Complete", "Status", "Tracking"],
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
          h("td", {}, trackingLink(f)),
        ),
      ),
      empty: "Nothing has been claimed or purchased yet.",
    }),
    h("p", { class: "note" }, h("strong", {}, "NOTE: "), SHIPPING_NOTE),
  );
}
