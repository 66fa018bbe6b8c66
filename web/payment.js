// @ts-check
// The payment step's provider side: Stripe.js, loaded from the provider's origin (config.json's
// `payments.stripeJs`; the page's CSP allows exactly that origin), card entry in Stripe Elements,
// confirmation with the order's client secret, and what a failure means in plain words (the
// catalogues' `pay.*`, in the reader's language; Stripe Elements gets the same language).
import { config } from "./config.js";
import { language, t } from "./i18n.js";
/** @import { OrderPayment, StripeClient, StripeError } from "./types.js" */

/** @type {Map<string, Promise<void>>} */
const loading = new Map();

/**
 * Add the provider's script to the page once (a classic script, as Stripe.js is published).
 * @param {string} src
 */
function loadScript(src) {
  let pending = loading.get(src);
  if (!pending) {
    pending = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => {
        loading.delete(src);
        script.remove();
        reject(new Error(t("pay.loadFailed")));
      });
      document.head.append(script);
    });
    loading.set(src, pending);
  }
  return pending;
}

/**
 * The provider's client for an order's payment (Stripe.js with the order's publishable key).
 * @param {OrderPayment} payment
 * @returns {Promise<StripeClient>}
 */
export async function providerFor(payment) {
  if (payment.provider !== "stripe") throw new Error(t("pay.unsupported"));
  await loadScript(config().payments.stripeJs);
  const factory = /** @type {{ Stripe?: (key: string) => StripeClient }} */ (/** @type {unknown} */ (window)).Stripe;
  if (typeof factory !== "function") throw new Error(t("pay.notLoaded"));
  return factory(payment.publishable_key);
}

/** @type {Record<string, string>} decline codes worth their own words (catalogue keys) */
const DECLINES = {
  insufficient_funds: "pay.decline.insufficientFunds",
  expired_card: "pay.decline.expired",
  incorrect_cvc: "pay.decline.cvc",
  incorrect_number: "pay.decline.number",
  lost_card: "pay.decline.card",
  stolen_card: "pay.decline.card",
};

/**
 * What went wrong, for the candidate: never a provider's code or an English-only jargon line.
 * @param {StripeError | undefined} error
 */
export function paymentErrorMessage(error) {
  const code = (error && (error.decline_code || error.code)) || "";
  if (code === "payment_intent_authentication_failure" || code === "authentication_required") {
    return t("pay.authentication");
  }
  if (error && error.type === "card_error") {
    return t("pay.declined", { reason: t(Object.hasOwn(DECLINES, code) ? DECLINES[code] : "pay.decline.bank") });
  }
  if (error && error.type === "validation_error") return t("pay.invalid");
  if (error && error.type === "api_connection_error") return t("pay.offline");
  return t("pay.failed");
}

/** Authentication ended without a charge (the card's 3-D Secure check was failed or cancelled). */
export function authenticationFailed() {
  return paymentErrorMessage({ code: "payment_intent_authentication_failure" });
}

/** The options for `stripe.elements()`: the provider's own card field speaks the reader's language. */
export function elementsOptions() {
  return { locale: language() };
}
