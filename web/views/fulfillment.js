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
import { providerFor, paymentErrorMessage, authenticationFailed, elementsOptions } from "../payment.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
/**
 * @import { AddressField, Catalog, CatalogItem, FulfillmentEntry, LocalizedAddress, LocalizedField, Me,
 *   OrderResult, OrderSelection, ShippingAddress, View } from "../types.js"
 */

/** How often, and for how long, the confirmation screen asks whether the payment has arrived. */
const STATUS_POLL_MS = 1500;
const STATUS_POLL_LIMIT_MS = 90_000;

/** @param {string} path */
function fulfillmentNav(path) {
  return subnav(
    t("nav.fulfillment"),
    [
      ["#/fulfillment", t("ful.nav.claim")],
      ["#/fulfillment/history", t("ful.nav.history")],
    ],
    path,
  );
}

const KINDS = ["certificate", "plaque", "letter"];
const KIT_STATUSES = ["queued", "sent", "complete", "awaiting_payment", "payment_submitted", "cancelled", "expired"];
/** @param {unknown} status a kit's or an order's status in words */
const kitStatus = (status) => (KIT_STATUSES.includes(String(status)) ? t(`kit.status.${status}`) : fmt.titleCase(status));
const note = () => h("p", { class: "note" }, h("strong", {}, t("ful.noteLabel")), t("ful.note"));

/** @type {View} */
export async function claimView(container, { path, navigate }) {
  container.append(fulfillmentNav(path), heading(t("ful.claimTitle")));
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
      h(
        "td",
        {},
        KINDS.includes(item.kind) ? t(`ful.kind.${item.kind}`) : fmt.titleCase(item.kind),
        item.initial_kit ? h("span", { class: "badge badge-met kit-badge" }, t("ful.initialKit")) : null,
      ),
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
    total.textContent = t("ful.total", { amount: fmt.money(cents, currency) });
  };
  boxes.forEach(([b]) => b.addEventListener("change", recompute));
  tracking.addEventListener("change", recompute);
  recompute();

  const form = h(
    "form",
    { novalidate: true },
    h("h2", {}, t("ful.step1")),
    table({
      caption: t("ful.catalogCaption"),
      columns: [
        h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("ful.select"))),
        t("ful.col.name"),
        t("ful.col.description"),
        t("ful.col.price"),
      ],
      rows,
      empty: t("ful.nothing"),
    }),
    h(
      "div",
      { class: "checkbox" },
      tracking,
      h("label", { for: tracking.id }, t("ful.tracking", { fee: fmt.money(trackingFee, currency) })),
    ),
    h("p", { class: "hint" }, t("ful.trackingHint")),
    field(t("ful.payment"), payment, { hint: t("ful.paymentHint", { zero: fmt.money(0, currency) }) }),
    h("p", { class: "total" }, total),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("ful.purchase"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const selected = boxes.filter(([b]) => b.checked).map(([, item]) => item);
    if (!selected.length) {
      announce(t("ful.selectOne"), "error");
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

/** @type {[AddressField, string][]} [field, autocomplete]; labels "ful.addr.<field>"; required and limits: the server's (rules.js) */
const LATIN_FIELDS = [
  ["first_name", "given-name"],
  ["last_name", "family-name"],
  ["email", "email"],
  ["phone", "tel"],
  ["address1", "address-line1"],
  ["address2", "address-line2"],
  ["city", "address-level2"],
  ["state", "address-level1"],
  ["postal_code", "postal-code"],
  ["country", "country"],
];
const ADDRESS_RULES = SCHEMAS.ShippingAddress;
const LOCALIZED_RULES = SCHEMAS.Localized;

/** @type {LocalizedField[]} */
const LOCALIZED_FIELDS = ["first_name", "last_name", "address1", "address2", "city", "state", "postal_code"];

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
  container.append(fulfillmentNav(path), heading(t("ful.shippingTitle")));
  const order = state.order;
  if (!order) {
    container.append(h("p", {}, t("ful.chooseFirst"), h("a", { href: "#/fulfillment" }, t("ful.back"))));
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
  const latinInputs = LATIN_FIELDS.map(([key, autocomplete]) => {
    const label = t(`ful.addr.${key}`);
    const rule = ADDRESS_RULES[key];
    const optionalIn = rule.optionalIn?.country;
    const required = Boolean(rule.required);
    if (key === "country") {
      const current = String(address.country || "").toUpperCase();
      const select = h(
        "select",
        { name: key, autocomplete: "country" },
        h("option", { value: "" }, t("ful.chooseCountry")),
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
    const hint = optionalIn ? t("field.postalHint") : undefined;
    const box = field(label, input, { required, hint });
    if (optionalIn) input.required = false; // the check below knows the countries (rules.js)
    return [key, input, box];
  });
  /** @type {[LocalizedField, HTMLInputElement, HTMLDivElement][]} */
  const localInputs = LOCALIZED_FIELDS.map((key) => {
    const label = t(`ful.addr.${key}`);
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
      h("h2", { id: "order-summary" }, t("ful.selection")),
      h("ul", {}, summary, order.tracking ? h("li", {}, t("ful.trackingLine", { fee: fmt.money(order.tracking_fee_cents, order.currency) })) : null),
      h(
        "p",
        {},
        selectionTotal(order) > 0
          ? t("ful.paymentLine", { method: fmt.PAYMENT_METHODS[order.payment_method] || order.payment_method })
          : t("ful.noPayment"),
      ),
      h("p", {}, h("a", { href: "#/fulfillment" }, t("ful.change"))),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, t("ful.latin")),
      h("p", { class: "hint" }, t("ful.review")),
      h("div", { class: "grid-2" }, latinInputs.map(([, , f]) => f)),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, t("ful.localized")),
      h("div", { class: "grid-2" }, localInputs.map(([, , f]) => f)),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("ful.confirm"))),
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
      { busyText: t("ful.submitting") },
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
  if (result.tracking) lines.push([t("ful.trackedShipping"), result.tracking_fee_cents ?? requested.tracking_fee_cents ?? 0]);
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
      columns: [t("ful.col.item"), t("ful.col.price")],
      rows: lines.map(([name, cents]) => h("tr", {}, h("td", {}, name), h("td", { class: "num" }, fmt.money(cents, currency)))),
    }),
    h("p", { class: "total", id: "order-total" }, t("ful.total", { amount: fmt.money(result.total_cents ?? 0, currency) })),
  ];
}

/** @type {View} */
export async function paymentView(container, { path, navigate }) {
  container.append(fulfillmentNav(path), heading(t("ful.paymentTitle")));
  const result = state.lastOrder;
  const payment = result && result.payment;
  if (!result || !payment || result.status !== "awaiting_payment") {
    container.append(h("p", {}, t("ful.noOrder"), h("a", { href: "#/fulfillment/history" }, t("ful.seeHistory"))));
    return;
  }
  const stripe = await withLoading(container, () => providerFor(payment), t("ful.loadingPayment"));
  const card = stripe.elements(elementsOptions()).create("card", { hidePostalCode: false });
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
      h("h2", { id: "payment-summary" }, t("ful.yourOrder")),
      orderTable(result, t("ful.order", { id: result.order_id || "" }).trim()),
    ),
    h(
      "fieldset",
      { class: "card" },
      h("legend", {}, t("ful.payByCard")),
      h("p", { class: "hint" }, t("ful.cardHint")),
      field(t("ful.nameOnCard"), nameInput),
      h("div", { class: "field" }, h("span", { class: "label", id: "card-label" }, t("ful.card")), cardBox, cardError),
    ),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("ful.pay", { amount: fmt.money(result.total_cents ?? 0, result.currency || "USD") }))),
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
          const message = answer.error ? paymentErrorMessage(answer.error) : authenticationFailed();
          cardError.textContent = message;
          announce(message, "error");
          return;
        }
        state.lastOrder = { ...result, payment: null, status: "payment_submitted" };
        navigate("#/fulfillment/confirmation");
      },
      { busyText: t("ful.paying") },
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
      live.textContent = t("ful.statusPaid");
      live.dataset.status = "paid";
      return;
    }
  }
  if (container.isConnected && live.dataset.status !== "paid") {
    live.textContent = t("ful.statusPending");
  }
}

/** @type {View} */
export async function orderConfirmationView(container, { path }) {
  container.append(fulfillmentNav(path), heading(t("ful.claimTitle")));
  const result = state.lastOrder;
  if (!result) {
    container.append(h("p", {}, t("ful.noRecent"), h("a", { href: "#/fulfillment/history" }, t("ful.seeHistory"))));
    return;
  }
  // A priced order is paid when the provider's webhook says so; until then the screen says
  // what it knows and follows the order's status.
  const awaiting = result.status === "awaiting_payment";
  const submitted = result.status === "payment_submitted";
  const live = h("p", { id: "order-status", role: "status", "aria-live": "polite", dataset: { status: result.status || "" } });
  live.textContent = submitted
    ? t("ful.statusReceived")
    : awaiting
      ? t("ful.statusAwaiting")
      : t("ful.statusOther", { status: kitStatus(result.status || "queued") });
  append(container, [
    h(
      "div",
      { class: submitted || !awaiting ? "notice notice-success" : "notice", id: "order-confirmation" },
      h(
        "p",
        {},
        submitted
          ? t("ful.thanks")
          : awaiting
            ? t("ful.saved")
            : t("ful.done"),
      ),
    ),
    orderTable(result, t("ful.order", { id: result.order_id || "" }).trim()),
    live,
    awaiting && result.payment ? h("p", {}, h("a", { href: "#/fulfillment/payment" }, t("ful.payNow"))) : null,
    note(),
    h("p", {}, h("a", { href: "#/fulfillment/history" }, t("ful.seeHistory"))),
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
  container.append(fulfillmentNav(path), heading(t("ful.historyTitle")));
  const data = await withLoading(container, () => api.get("/me/fulfillment/history"));
  const items = /** @type {FulfillmentEntry[]} */ (listOf(data, "history", "fulfillments"));
  container.append(
    table({
      caption: t("ful.historyCaption"),
      columns: ["name", "code", "queued", "sent", "complete", "status", "tracking"].map((c) => t(`ful.col.${c}`)),
      rows: items.map((f) =>
        h(
          "tr",
          {},
          h("td", {}, f.name),
          h("td", {}, f.verification_code || ""),
          h("td", {}, fmt.date(f.queued)),
          h("td", {}, fmt.date(f.sent)),
          h("td", {}, fmt.date(f.complete)),
          h("td", {}, kitStatus(f.status)),
          h("td", {}, trackingLink(f)),
        ),
      ),
      empty: t("ful.noHistory"),
    }),
    note(),
  );
}
