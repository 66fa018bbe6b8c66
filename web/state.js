// @ts-check
// In-memory state shared by the views (cleared on logout).
/** @import { Me, OrderResult, OrderSelection } from "./types.js" */

/**
 * @type {{
 *   me: Me | null,
 *   order: OrderSelection | null,
 *   pendingOrder: { fingerprint: string, key: string } | null,
 *   lastOrder: (OrderResult & { requested: OrderSelection }) | null,
 * }}
 */
export const state = {
  me: null, // GET /me
  order: null, // the claim & purchase selection between steps: {skus, tracking, payment_method, items}
  pendingOrder: null, // {fingerprint, key}: the Idempotency-Key reused when a submit is retried
  lastOrder: null, // the POST /me/fulfillment/orders response for the confirmation screen
};

export function resetState() {
  state.me = null;
  state.order = null;
  state.pendingOrder = null;
  state.lastOrder = null;
}
