// @ts-check
// The payment step's provider side: Stripe.js, loaded from the provider's origin (config.json's
// `payments.stripeJs`; the page's CSP allows exactly that origin), card entry in Stripe Elements,
// confirmation with the order's client secret, and what a failure means in plain words.
import { config } from "./config.js";
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
        reject(new Error("The payment form could not be loaded. Check your connection and reload the page; nothing was charged."));
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
  if (payment.provider !== "stripe") throw new Error("This payment provider is not supported by the portal.");
  await loadScript(config().payments.stripeJs);
  const factory = /** @type {{ Stripe?: (key: string) => StripeClient }} */ (/** @type {unknown} */ (window)).Stripe;
  if (typeof factory !== "function") throw new Error("The payment form could not be loaded. Reload the page; nothing was charged.");
  return factory(payment.publishable_key);
}

/** @type {Record<string, string>} decline codes worth their own words */
const DECLINES = {
  insufficient_funds: "Your card was declined: there are not enough funds on it.",
  expired_card: "Your card has expired.",
  incorrect_cvc: "The card's security code (CVC) is incorrect.",
  incorrect_number: "The card number is incorrect.",
  lost_card: "Your card was declined.",
  stolen_card: "Your card was declined.",
};

const NOTHING_CHARGED = "Nothing was charged.";

/**
 * What went wrong, for the candidate: never a provider's code or an English-only jargon line.
 * @param {StripeError | undefined} error
 */
export function paymentErrorMessage(error) {
  const code = (error && (error.decline_code || error.code)) || "";
  if (code === "payment_intent_authentication_failure" || code === "authentication_required") {
    return `Your bank could not confirm this payment (its security check was cancelled or failed). ${NOTHING_CHARGED} Try again, or use another card.`;
  }
  if (error && error.type === "card_error") {
    const reason = DECLINES[code] || "Your card was declined by your bank.";
    return `${reason} ${NOTHING_CHARGED} Check the details or use another card.`;
  }
  if (error && error.type === "validation_error") {
    return "The card details are incomplete or invalid. Check the card number, expiry date and security code.";
  }
  if (error && error.type === "api_connection_error") {
    return `The payment service could not be reached. ${NOTHING_CHARGED} Check your connection and try again.`;
  }
  return `The payment could not be completed. ${NOTHING_CHARGED} Please try again.`;
}

/** Authentication ended without a charge (the card's 3-D Secure check was failed or cancelled). */
export const AUTHENTICATION_FAILED = paymentErrorMessage({ code: "payment_intent_authentication_failure" });
